import assert from 'node:assert/strict';
import { reportMissing } from '../../src/recording/service';
import { findChannel } from '../../src/store/channels';
import { episodeHistory } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { linkTestChannel } from '../support/channels';
import { BOT, COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, TEAM_ID, teamsMessage, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { graphEnv, startGraphFake, TEST_CREDENTIAL, type GraphFake } from '../support/graphFake';
import { context, report } from '../support/recording';

/**
 * Access as councils set the bot up: one multi-agency team holding every agency channel, the
 * missing team's channel and management's. Standard channels share their team's members, so
 * nothing here may depend on which channel a person stands in.
 */

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const DATE = '2026-06-09';
const CHANNEL = {
  police: '19:police@thread.tacv2',
  health: '19:health@thread.tacv2',
  education: '19:education@thread.tacv2',
  'social-care': '19:social-care@thread.tacv2',
  'youth-justice': '19:youth-justice@thread.tacv2',
  'missing-team': '19:missing-team@thread.tacv2',
  management: '19:management@thread.tacv2',
} as const;
const TEACHER = { id: '29:user-school', name: 'Sam School', aadObjectId: '00000000-0000-0000-0000-0000000000022' };
const NURSE = { id: '29:user-health', name: 'Harper Health', aadObjectId: '00000000-0000-0000-0000-0000000000023' };
const CHAIR = { id: '29:user-chair', name: 'Casey Chair', aadObjectId: '00000000-0000-0000-0000-0000000000024' };
const MANAGER = { id: '29:user-manager', name: 'Mel Manager', aadObjectId: '00000000-0000-0000-0000-0000000000025' };
const PEOPLE = [COORDINATOR, POLICE_OFFICER, TEACHER, NURSE, CHAIR, MANAGER];
const CHAIR_GROUP = '11111111-1111-4111-8111-111111111111';
const HEALTH_GROUP = '22222222-2222-4222-8222-222222222222';
type Who = typeof COORDINATOR;

describe('who may do what, in one team holding every agency channel', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let graph: GraphFake;
  let episodeId: string;
  const target = { kind: 'daily_list', listDate: DATE, page: 0 };
  const childTarget = { ...target, childRef: 'TEST-0001' };

  const say = (text: string, from: Who, channel?: string) => postActivity(app.url, teamsMessage(connector.url, text, { channel, from }));
  const act = (verb: string, data: unknown, from: Who, channel?: string) => postActivity(app.url, executeAction(connector.url, verb, data, { channel, from }));
  const replies = () => connector.calls.filter((call) => call.method === 'POST');
  const lastText = () => replies().at(-1)?.body.text as string;
  const count = async (table: string) => (await app.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
  const lastRefusal = async (action: string) => (await app.db.query<{ details: { reason: string } }>(`select details from audit_log where action = $1 order by id desc limit 1`, [action]))[0]?.details.reason;
  /** A channel message that @mentions the bot and one person, as Teams sends it. */
  const sayMentioning = (text: string, person: Who, from: Who, channel: string) => {
    const activity = teamsMessage(connector.url, text, { channel, from });
    const mention = `<at>${person.name}</at>`;
    return postActivity(app.url, {
      ...activity,
      text: `${activity.text.replace('@person', mention)}`,
      entities: [...activity.entities, { type: 'mention', text: mention, mentioned: { id: person.id, name: person.name } }],
    });
  };

  before(async () => {
    connector = await startConnector();
    graph = await startGraphFake();
    app = await startTestApp(
      {
        MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId,
        MANAGER_USER_IDS: MANAGER.aadObjectId,
        CHAIR_GROUP_ID: CHAIR_GROUP,
        AGENCY_GROUP_IDS: `health=${HEALTH_GROUP}`,
        ...graphEnv(graph),
      },
      () => NOW,
      { graphCredential: TEST_CREDENTIAL },
    );
    ({ value: { id: episodeId } } = await app.db.transaction((tx) => reportMissing(tx, report({ riskGrade: 'medium', policeRef: 'POL-AC1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW }))));
    for (const [agency, conversation] of Object.entries(CHANNEL)) await linkTestChannel(app.db, connector.url, conversation, agency as keyof typeof CHANNEL);
    const run = await app.poster.runOnce();
    assert.equal(run.sent, 7, 'the day’s card in every channel');
  });
  after(async () => {
    await app.stop();
    await connector.close();
    await graph.close();
  });
  beforeEach(async () => {
    // Every test starts from the same state: no refresh still running from the last one, no grants,
    // nothing acknowledged or noted, Graph answering.
    await app.refresher.idle();
    await app.db.exec(`delete from role_grants; delete from acknowledgements; delete from agency_notes`);
    app.roles.forget();
    connector.calls.length = 0;
    graph.calls.length = 0;
    graph.problems.length = 0;
    graph.failWith = null;
    graph.members = new Map([
      [CHAIR.aadObjectId, [CHAIR_GROUP]],
      [NURSE.aadObjectId, [HEALTH_GROUP]],
    ]);
    const members = new Map(PEOPLE.map((person) => [`/v3/conversations/${TEAM_ID}/members/${person.id}`, person]));
    connector.respond = (call: ConnectorCall) => {
      if (call.method !== 'GET') return { status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } };
      const member = members.get(call.path);
      return member ? { status: 200, body: { id: member.id, name: member.name, aadObjectId: member.aadObjectId } } : { status: 404, body: { error: { code: 'NotFound' } } };
    };
  });
  afterEach(() => assert.deepEqual(graph.problems, [], 'every Graph request had the shape Graph documents'));

  describe('the refusals found from outside', () => {
    it('refuses a police officer the missing team’s recording form in the Police channel', async () => {
      await say('missing', POLICE_OFFICER, CHANNEL.police);
      assert.match(lastText(), /^Only the missing team can report a child missing from Teams\./);
      assert.equal(replies().at(-1)?.body.attachments, undefined, 'no form');
      assert.equal(await lastRefusal('command.refused'), 'role-not-held');
    });

    it('refuses a teacher a child’s history in personal chat, naming nobody', async () => {
      await say('history TEST-0001', TEACHER);
      assert.match(lastText(), /^Only the missing team can see a child's history\./);
      assert.ok(!lastText().includes('Testy'));
      assert.equal(await lastRefusal('command.refused'), 'role-not-held');
    });

    it('refuses any member linking the Police channel to Health: the channel stays Police', async () => {
      await say('link health', TEACHER, CHANNEL.police);
      assert.match(lastText(), /^Only the missing team can link a channel\./);
      assert.equal((await findChannel(app.db, CHANNEL.police))?.agency, 'police');
      assert.equal(await lastRefusal('command.refused'), 'role-not-held');
    });

    it('refuses the missing team a child’s history in a channel, where everyone would read it', async () => {
      await say('history TEST-0001', COORDINATOR, CHANNEL.police);
      assert.match(lastText(), /only in a personal chat with you/);
      assert.ok(!JSON.stringify(replies()).includes('Testy'));
      assert.equal(await lastRefusal('command.refused'), 'needs-personal-chat');
      await say('history TEST-0001', COORDINATOR);
      assert.match(lastText(), /\*\*Testy Example\*\* · TEST-0001 · history/);
    });

    it('refuses a card action from a channel it has never seen, whoever taps, and changes nothing', async () => {
      const stranger = '19:stranger@thread.tacv2';
      const grade = await act('child.update', { ...childTarget, episodeId, riskGrade: 'high', riskReason: 'Seen with an adult of concern' }, COORDINATOR, stranger);
      assert.deepEqual([grade.status, grade.body.type], [403, 'application/vnd.microsoft.error']);
      assert.match(grade.body.value.message, /I have not been added to this conversation/);
      assert.deepEqual((await episodeHistory(app.db, episodeId)).map((entry) => entry.newValue), ['medium']);
      const page = await act('list.page', target, COORDINATOR, stranger);
      assert.equal(page.status, 403);
      assert.ok(!JSON.stringify(page.body).includes('Testy'), 'no names for a conversation it does not know');
      assert.equal(await lastRefusal('invoke.refused'), 'unknown-conversation');
      assert.equal(await findChannel(app.db, stranger), undefined, 'an invoke does not make a channel known');
    });

    it('refuses a card for a day this channel was not posted, past or future: nothing stored, nothing posted to the channel', async () => {
      for (const listDate of ['2026-06-08', '2026-06-10']) {
        const answer = await act('list.acknowledge', { ...target, listDate }, POLICE_OFFICER, CHANNEL.police);
        assert.deepEqual([answer.status, answer.body.value.code], [404, 'NotFound'], listDate);
        assert.match(answer.body.value.message, /I did not post that card here/);
        assert.equal(await lastRefusal('invoke.refused'), 'card not posted here');
      }
      assert.equal(await count('acknowledgements'), 0);
      assert.equal(replies().length, 0, 'no apology posted into the channel');
    });

    it('refuses an agency the daily card of a day posted only elsewhere (a personal chat’s)', async () => {
      await say('overdue', COORDINATOR);
      const answer = await act('list.page', { ...target, kind: 'overdue' }, POLICE_OFFICER, CHANNEL.police);
      assert.equal(answer.status, 404);
    });
  });

  describe('acting for an agency', () => {
    it('without a roster lets the channel decide, and the card names the person beside the agency', async () => {
      const answer = await act('list.acknowledge', target, TEACHER, CHANNEL.police);
      assert.equal(answer.status, 200);
      assert.match(JSON.stringify(answer.body.value), /Police ✓ 09:00 Sam School/);
    });

    it('with a roster made by grants, lets only the people on it act for that agency, whichever channel they tap in', async () => {
      await sayMentioning('grant @person police', POLICE_OFFICER, COORDINATOR, CHANNEL['missing-team']);
      assert.match(lastText(), /Pat Police now holds \*\*police\*\*/);
      const refused = await act('list.acknowledge', target, TEACHER, CHANNEL.police);
      assert.equal(refused.status, 403);
      assert.match(refused.body.value.message, /^Only people on the Police roster can act for Police\./);
      assert.equal(await lastRefusal('invoke.refused'), 'not-on-roster');
      assert.equal(await count('acknowledgements'), 0);
      const coordinator = await act('child.acknowledge', childTarget, COORDINATOR, CHANNEL.police);
      assert.equal(coordinator.status, 403, 'the missing team is not the police');
      const officer = await act('list.acknowledge', target, POLICE_OFFICER, CHANNEL.police);
      assert.equal(officer.status, 200);
      assert.match(JSON.stringify(officer.body.value), /Police ✓ 09:00 Pat Police/);
    });

    it('with a roster from an Entra group, asks Graph in the documented shape and lets its members act', async () => {
      const nurse = await act('list.acknowledge', target, NURSE, CHANNEL.health);
      assert.equal(nurse.status, 200);
      const teacher = await act('list.acknowledge', target, TEACHER, CHANNEL.health);
      assert.equal(teacher.status, 403);
      assert.equal(await lastRefusal('invoke.refused'), 'not-on-roster');
      const asked = graph.calls.find((call) => call.path === `/v1.0/users/${NURSE.aadObjectId}/checkMemberGroups`);
      assert.ok(asked, JSON.stringify(graph.calls.map((call) => call.path)));
      assert.deepEqual([...asked.body.groupIds].sort(), [CHAIR_GROUP, HEALTH_GROUP].sort());
    });

    it('answers group checks from its cache for a few minutes', async () => {
      await act('list.page', target, NURSE, CHANNEL.health);
      await act('list.page', target, NURSE, CHANNEL.health);
      assert.equal(graph.calls.filter((call) => call.path.includes(NURSE.aadObjectId)).length, 1);
    });

    it('refuses, never grants, when Graph answers 503, saying so plainly and changing nothing', async () => {
      graph.failWith = 503;
      const answer = await act('list.acknowledge', target, NURSE, CHANNEL.health);
      assert.equal(answer.status, 403);
      assert.match(answer.body.value.message, /could not check your roles with Microsoft Entra just now.*Nothing was changed/);
      assert.equal(await lastRefusal('invoke.refused'), 'roles-unverified');
      assert.equal(await count('acknowledgements'), 0);
      assert.equal(graph.calls.length, 1, 'one call: a role check does not retry inside a Teams invoke');
      await say('link police', COORDINATOR, CHANNEL.police);
      assert.match(lastText(), /linked to Police/, 'roles from configuration do not depend on Graph');
    });

    it('never lets management or the missing team’s channel acknowledge, and keeps missing-team notes to the missing team', async () => {
      const management = await act('list.acknowledge', target, MANAGER, CHANNEL.management);
      assert.match(management.body.value.message, /The Management channel does not acknowledge the list/);
      const note = { ...childTarget, noteText: 'Seen in town' };
      const teacherInMissingTeam = await act('child.note', note, TEACHER, CHANNEL['missing-team']);
      assert.equal(teacherInMissingTeam.status, 403);
      assert.equal(await count('agency_notes'), 0);
    });
  });

  describe('what the answers disclose', () => {
    it('shows restricted notes on no channel card, not even the missing team’s, and in the missing team’s personal chat', async () => {
      const note = { ...childTarget, noteText: 'Disclosed a new adult contact', noteCategory: 'associates', noteRestricted: 'true' };
      assert.equal((await act('child.note', note, COORDINATOR, CHANNEL['missing-team'])).status, 200);
      await app.refresher.idle();
      const updates = connector.calls.filter((call) => call.method === 'PUT' && call.path.startsWith('/v3/conversations/19:'));
      assert.deepEqual(new Set(updates.map((call) => call.path.split('/')[3])), new Set(Object.values(CHANNEL)), 'every channel copy refreshed');
      assert.ok(updates.every((call) => !JSON.stringify(call.body).includes('new adult contact')));
      await say('list', COORDINATOR);
      assert.match(JSON.stringify(replies().at(-1)!.body), /Missing team Tue 09:00 \(restricted\): Disclosed a new adult contact/);
    });

    it('gives a coordinator who taps Details in an agency channel a card for them alone, audited as private', async () => {
      const answer = await act('child.details', childTarget, COORDINATOR, CHANNEL.police);
      assert.deepEqual(answer.body.value.refresh.userIds, [COORDINATOR.id]);
      assert.match(JSON.stringify(answer.body.value), /Testy Example/);
      assert.equal(replies().length, 0, 'nothing posted into the channel');
      const [disclosed] = await app.db.query<{ details: Record<string, unknown>; actor_name: string }>(`select details, actor_name from audit_log where action = 'child.disclosed' order by id desc limit 1`);
      assert.deepEqual([disclosed!.details.private, disclosed!.actor_name], [true, COORDINATOR.name]);
    });

    it('reads the audit of a child to the missing team and managers in personal chat, with no child’s name', async () => {
      await act('child.details', childTarget, TEACHER, CHANNEL.education);
      await say('audit TEST-0001', MANAGER);
      const text = lastText();
      assert.match(text, /\*\*Audit of TEST-0001\*\*, newest first/);
      assert.match(text, /Sam School \(teams\) · child\.disclosed/);
      assert.ok(!/Testy|Example/.test(text));
      await say('audit TEST-0001', TEACHER);
      assert.match(lastText(), /^Only the missing team or managers can read the audit\./);
      await say('audit TEST-0001', MANAGER, CHANNEL.management);
      assert.match(lastText(), /only in a personal chat with you/);
    });
  });

  describe('grants, revokes and roles', () => {
    it('grants and revokes by Entra object id in personal chat, audited, and says when configuration still holds a role', async () => {
      await say(`grant ${TEACHER.aadObjectId} chair`, COORDINATOR);
      assert.match(lastText(), /now holds \*\*chair\*\*/);
      await say('roles', TEACHER);
      assert.match(lastText(), /\*\*You\*\* hold chair \(granted in Teams\)/);
      await say(`revoke ${TEACHER.aadObjectId} chair`, COORDINATOR);
      assert.match(lastText(), /no longer holds \*\*chair\*\* by grant/);
      await say('roles', TEACHER);
      assert.match(lastText(), /\*\*You\*\* hold no role/);
      const audited = await app.db.query<{ action: string; details: Record<string, unknown> }>(`select action, details from audit_log where action in ('role.granted', 'role.revoked') order by id desc limit 2`);
      assert.deepEqual(audited.map((row) => [row.action, row.details.user, row.details.role]).reverse(), [
        ['role.granted', TEACHER.aadObjectId, 'chair'],
        ['role.revoked', TEACHER.aadObjectId, 'chair'],
      ]);
      await say(`revoke ${MANAGER.aadObjectId} manager`, COORDINATOR);
      assert.match(lastText(), /still hold it through configuration/);
    });

    it('refuses grants to anyone outside the missing team, and a role that does not exist', async () => {
      await sayMentioning('grant @person missing-team', POLICE_OFFICER, POLICE_OFFICER, CHANNEL.police);
      assert.match(lastText(), /^Only the missing team can grant roles\./);
      await sayMentioning('grant @person superuser', POLICE_OFFICER, COORDINATOR, CHANNEL['missing-team']);
      assert.match(lastText(), /Say it as: grant @person chair, with one of missing-team, chair, manager, police/);
      assert.equal(await count('role_grants'), 0);
    });

    it('refuses a grant to someone Teams cannot look up, changing nothing', async () => {
      const stranger = { id: '29:user-unknown', name: 'Nobody Known', aadObjectId: '' };
      await sayMentioning('grant @person police', stranger, COORDINATOR, CHANNEL['missing-team']);
      assert.match(lastText(), /I could not look up Nobody Known in Teams/);
      assert.equal(await count('role_grants'), 0);
    });

    it('shows each person their own roles and where from, and the missing team who holds what', async () => {
      await say('roles', CHAIR);
      assert.match(lastText(), /^\*\*You\*\* hold chair \(Entra group\)\.$/);
      await say('roles', COORDINATOR);
      const text = lastText();
      assert.match(text, new RegExp(`\\*\\*missing-team\\*\\* \\(the missing team\\): ${COORDINATOR.aadObjectId} \\(configuration\\)`));
      assert.match(text, new RegExp(`\\*\\*chair\\*\\* \\(chairs\\): members of Entra group ${CHAIR_GROUP}`));
      assert.match(text, /\*\*police\*\* \(Police\): nobody · no roster: anyone in its channel acts for it/);
    });
  });

  it('names the bot itself in no grant (its own mention is not a person)', async () => {
    await say(`grant ${BOT.id} chair`, COORDINATOR);
    assert.match(lastText(), /Say who: grant @person chair/);
  });
});
