import assert from 'node:assert/strict';
import { reportMissing } from '../../src/recording/service';
import { bumpListVersion } from '../../src/store/postedCards';
import { call, startTestApp } from '../support/app';
import { COORDINATOR, executeAction, POLICE_OFFICER, startConnector, teamsMessage, type ConnectorCall, type ConnectorStub, postActivity } from '../support/connector';
import { linkTestChannel } from '../support/channels';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const DATE = '2026-06-09';
const POLICE = '19:police@thread.tacv2';
const EDUCATION = '19:education@thread.tacv2';
const TEACHER = { id: '29:user-school', name: 'Sam School', aadObjectId: '00000000-0000-0000-0000-0000000000022' };


describe('acknowledging and adding information on the card', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  const count = async (table: string) => (await app.db.query<{ count: number }>(`select count(*)::int as count from ${table}`))[0]!.count;
  const updates = () => connector.calls.filter((call) => call.method === 'PUT');
  const latestCopy = (conversation: string): string => JSON.stringify(updates().filter((call) => call.path.startsWith(`/v3/conversations/${conversation}/activities/`)).at(-1)?.body.attachments[0].content ?? null);
  const act = (verb: string, data: unknown, channel: string | undefined, from = POLICE_OFFICER) => postActivity(app.url, executeAction(connector.url, verb, data, { channel, from }));
  const target = { kind: 'daily_list', listDate: DATE, page: 0 };
  /** The data of the card's Acknowledge button as this channel's copy shows it now: what its tap acknowledges. */
  const ackData = async (channel: string, from = POLICE_OFFICER) => {
    const card = (await act('list.page', target, channel, from)).body.value;
    return card.actions.find((candidate: { verb: string }) => candidate.verb === 'list.acknowledge')?.data;
  };

  before(async () => {
    connector = await startConnector();
    connector.respond = (call: ConnectorCall) => (call.method === 'GET' ? { status: 404, body: {} } : { status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId }, () => NOW);
    await app.db.transaction((tx) => reportMissing(tx, report({ riskGrade: 'high', policeRef: 'POL-ACT1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await linkTestChannel(app.db, connector.url, EDUCATION, 'education');
    const run = await app.poster.runOnce();
    assert.equal(run.sent, 2);
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  // Each test starts with nothing acknowledged or noted, and no refresh still running.
  beforeEach(async () => {
    await app.refresher.idle();
    await app.db.exec('delete from acknowledgements; delete from agency_notes');
    // As every change does: the cards kept for the day's version are stale now.
    await bumpListVersion(app.db, DATE);
    connector.calls.length = 0;
  });

  it('audits a page turned as a disclosure to that person in that channel, with the page and what the channel sees', async () => {
    await app.db.exec(`delete from audit_log where action = 'list.disclosed'`);
    const answer = await act('list.page', { ...target, page: 0 }, POLICE);
    assert.equal(answer.body.statusCode, 200);
    const rows = await app.db.query<{ actor: string; actor_name: string; conversation_id: string; details: Record<string, unknown> }>(
      `select actor, actor_name, conversation_id, details from audit_log where action = 'list.disclosed'`,
    );
    assert.deepEqual(rows, [{ actor: POLICE_OFFICER.aadObjectId, actor_name: POLICE_OFFICER.name, conversation_id: POLICE, details: { agency: 'police', kind: 'daily_list', listDate: DATE, page: 0, displayLevel: 'initials' } }]);
  });

  it('acknowledges the list for the channel’s agency, shows it to the tapper at once and on every copy after', async () => {
    const answer = await act('list.acknowledge', await ackData(POLICE), POLICE);
    assert.equal(answer.body.statusCode, 200);
    const card = JSON.stringify(answer.body.value);
    assert.match(card, /Education — · Police ✓ 09:00 Pat Police"/, 'nothing new since');
    assert.match(card, /✓ Acknowledged for Police at 09:00: the 1 child this card showed\./, 'a confirmation for the person who tapped');
    assert.ok(!card.includes('"title":"Acknowledge'), 'the button is gone once acknowledged');
    await app.refresher.idle();
    assert.match(latestCopy(POLICE), /Police ✓ 09:00 Pat Police/);
    assert.match(latestCopy(EDUCATION), /Police ✓ 09:00 Pat Police/);
    assert.match(latestCopy(EDUCATION), /Acknowledge for Education/, 'each copy keeps its own agency’s button');
  });

  it('moves the list version with the acknowledgement: the answer and the next tap show it before any copy is refreshed', async () => {
    const data = await ackData(POLICE); // draws and keeps Police's card as it is before
    // No copy is brought up to date (nor the version moved) by the refresher in this test.
    let requested = 0;
    const request = app.refresher.request;
    app.refresher.request = async () => void requested++;
    try {
      const answer = JSON.stringify((await act('list.acknowledge', data, POLICE)).body.value);
      assert.equal(requested, 1);
      assert.match(answer, /Police ✓ 09:00 Pat Police/);
      assert.match(JSON.stringify((await act('list.page', target, POLICE)).body.value), /Police ✓ 09:00 Pat Police/);
    } finally {
      app.refresher.request = request;
    }
  });

  it('gives the notice to the person who acknowledged only: the card the audience shares does not carry it', async () => {
    const data = await ackData(POLICE);
    await act('list.acknowledge', data, POLICE);
    const again = JSON.stringify((await act('list.acknowledge', data, POLICE)).body.value);
    assert.match(again, /Police had already acknowledged everything this card showed\./);
    assert.match(again, /Police ✓ 09:00 Pat Police/);
    const page = JSON.stringify((await act('list.page', target, POLICE)).body.value);
    assert.match(page, /Police ✓ 09:00 Pat Police/, 'the page shows the acknowledgement');
    assert.ok(!/Acknowledged for Police at|had already acknowledged/.test(page), 'and no one’s notice');
  });

  it('is harmless to tap again: one acknowledgement, one audit record, no refresh', async () => {
    const data = await ackData(POLICE);
    await act('list.acknowledge', data, POLICE);
    await app.refresher.idle();
    connector.calls.length = 0;
    const before = await count('acknowledgements');
    const audits = await count('audit_log');
    const again = await act('list.acknowledge', data, POLICE);
    assert.match(JSON.stringify(again.body.value), /Police had already acknowledged everything this card showed\./);
    await app.refresher.idle();
    assert.equal(await count('acknowledgements'), before);
    assert.equal(await count('audit_log'), audits, 'nothing new to audit');
    assert.equal(updates().length, 0);
  });

  it('answers a colleague’s repeat acknowledgement from the day’s acknowledgements as last read, asking the database to record nothing', async () => {
    const data = await ackData(POLICE);
    await act('list.acknowledge', data, POLICE);
    const asked: string[] = [];
    const query = app.db.query;
    app.db.query = ((sql: Parameters<typeof query>[0], params?: unknown[]) => {
      asked.push(typeof sql === 'string' ? sql : sql.name);
      return query.call(app.db, sql, params);
    }) as typeof query;
    try {
      const colleague = { ...POLICE_OFFICER, id: '29:user-colleague', name: 'Colleague Police', aadObjectId: '00000000-0000-0000-0000-0000000000031' };
      const again = await act('list.acknowledge', data, POLICE, colleague);
      assert.equal(again.body.statusCode, 200);
      assert.match(JSON.stringify(again.body.value), /Police had already acknowledged everything this card showed\./);
      assert.ok(asked.length > 0, 'the tap was seen by the database wrapper (the card was posted here)');
      assert.deepEqual(asked.filter((statement) => /acknowledgements\.acknowledge|insert into acknowledgements/.test(statement)), [], 'nothing written');
      assert.equal(asked.filter((statement) => /from acknowledgements/.test(statement)).length, 1, 'the day’s acknowledgements read once since the version moved');
      asked.length = 0;
      assert.match(JSON.stringify((await act('list.acknowledge', data, POLICE, colleague)).body.value), /Police had already acknowledged everything this card showed\./);
      assert.deepEqual(asked.filter((statement) => /acknowledge/.test(statement)), [], 'the next repeat asks nothing about acknowledgements');
      // A card showing a child Police has not acknowledged is recorded, whatever was read before.
      const more = await act('list.acknowledge', { ...data, seen: [...data.seen, 'TEST-0099|new'] }, POLICE);
      assert.match(JSON.stringify(more.body.value), /✓ Acknowledged for Police at 09:00: the 2 children this card showed\./);
      assert.deepEqual(asked.filter((statement) => /acknowledgements\.acknowledge/.test(statement)), ['acknowledgements.acknowledge_and_bump']);
    } finally {
      app.db.query = query;
    }
  });

  it('acknowledges one child from its card, shown on that child’s entry on every copy', async () => {
    const answer = await act('child.acknowledge', { ...target, childRef: 'TEST-0001' }, EDUCATION, TEACHER);
    assert.equal(answer.body.statusCode, 200);
    assert.match(JSON.stringify(answer.body.value), /✓ Acknowledged for Education at 09:00\./);
    await app.refresher.idle();
    assert.match(latestCopy(POLICE), /✓ Education 09:00/);
  });

  it('shows a child reported after Police acknowledged as new to Police, until Police acknowledges again', async () => {
    await act('list.acknowledge', await ackData(POLICE), POLICE);
    await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0009', riskGrade: 'high', reportedAt: at('2026-06-09T07:30:00Z') }), context({ now: NOW })));
    await bumpListVersion(app.db, DATE); // as the API, the import and the card actions do after a record
    const police = JSON.stringify((await act('list.page', target, POLICE)).body.value);
    assert.match(police, /Police ✓ 09:00 Pat Police \(1 new since\)/);
    assert.match(police, /TEST-0009 · 15 · missing \*\*0 h\*\* · \*\*new since Police acknowledged\*\*/);
    assert.ok(!/TEST-0001[^"]*new since/.test(police), 'the child Police saw is not new');
    assert.match(police, /"title":"Acknowledge 1 new for Police"/);
    const education = JSON.stringify((await act('list.page', target, EDUCATION, TEACHER)).body.value);
    assert.ok(!/new since Education/.test(education), 'new only to the agency that had acknowledged');
    await act('list.acknowledge', await ackData(POLICE), POLICE);
    assert.ok(!/new since Police acknowledged/.test(JSON.stringify((await act('list.page', target, POLICE)).body.value)));
    await app.db.exec(`delete from episode_history where episode_id in (select e.id from episodes e join children c on c.id = e.child_id where c.ref = 'TEST-0009'); delete from episodes where child_id in (select id from children where ref = 'TEST-0009')`);
  });

  it('brings every posted copy up to date when a case system reports a child through the API', async () => {
    const answer = await call(`${app.url}/api/v1/episodes`, {
      body: { child: { ref: 'TEST-0042', givenName: 'Api', familyName: 'Synthetic', dateOfBirth: '2012-03-04' }, kind: 'missing_from_home', reportedAt: '2026-06-09T07:40:00Z', riskGrade: 'medium', policeRef: 'POL-API42' },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    await app.refresher.idle();
    assert.match(latestCopy(POLICE), /TEST-0042/);
    assert.match(latestCopy(EDUCATION), /TEST-0042/);
    await app.db.exec(`delete from episode_history where episode_id in (select e.id from episodes e join children c on c.id = e.child_id where c.ref = 'TEST-0042'); delete from episodes where child_id in (select id from children where ref = 'TEST-0042')`);
  });

  it('adds a note from one channel that every copy shows, tagged with agency, person and time', async () => {
    const answer = await act('child.note', { ...target, childRef: 'TEST-0001', noteText: 'Seen at the school gate at 08:40', noteCategory: 'seen', noteRestricted: 'false' }, EDUCATION, TEACHER);
    assert.equal(answer.body.statusCode, 200);
    const card = JSON.stringify(answer.body.value);
    assert.match(card, /✓ Added to the card, as Education: every agency's copy shows it\./);
    assert.match(card, /\*\*Education\*\* 09:00 Tue 9 Jun · Sam School · Seen: Seen at the school gate at 08:40/);
    await app.refresher.idle();
    assert.match(latestCopy(POLICE), /1 note, latest Education Tue 09:00: Seen at the school gate at 08:40/);
    const audit = (await app.db.query<{ details: Record<string, unknown> }>(`select details from audit_log where action = 'note.added'`)).at(-1)!;
    assert.deepEqual(audit.details, { agency: 'education', childRef: 'TEST-0001', category: 'seen', restricted: false });
  });

  it('keeps a restricted note off agency channels and shows it to the missing team', async () => {
    const answer = await act('child.note', { ...target, childRef: 'TEST-0001', noteText: 'Disclosed a new adult contact', noteCategory: 'associates', noteRestricted: 'true' }, POLICE);
    assert.match(JSON.stringify(answer.body.value), /✓ Added as restricted: only the missing team sees it, in their own view\./);
    assert.ok(!JSON.stringify(answer.body.value).includes('new adult contact'), 'not even on the writer’s own channel view');
    await app.refresher.idle();
    assert.ok(!latestCopy(EDUCATION).includes('new adult contact'));
    assert.ok(!latestCopy(POLICE).includes('new adult contact'), 'not even on the channel that wrote it');
    await postActivity(app.url, teamsMessage(connector.url, 'list', { from: COORDINATOR }));
    const personal = await act('child.details', { ...target, childRef: 'TEST-0001' }, undefined, COORDINATOR);
    assert.match(JSON.stringify(personal.body.value), /restricted\*\*: Disclosed a new adult contact/);
  });

  it('lands two acknowledgements made at the same moment, and every copy ends up showing both', async () => {
    const [policeData, educationData] = [await ackData(POLICE), await ackData(EDUCATION, TEACHER)];
    const [police, education] = await Promise.all([act('list.acknowledge', policeData, POLICE), act('list.acknowledge', educationData, EDUCATION, TEACHER)]);
    assert.deepEqual([police.body.statusCode, education.body.statusCode], [200, 200]);
    await app.refresher.idle();
    for (const copy of [latestCopy(POLICE), latestCopy(EDUCATION)]) assert.match(copy, /Education ✓ 09:00 Sam School · Police ✓ 09:00 Pat Police/);
  });

  describe('refusals: nothing changes, the reason is audited', () => {
    const refusals: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
      ['the missing team acknowledging for no agency', () => act('list.acknowledge', target, undefined, COORDINATOR), 403, 'agency-does-not-act'],
      ['a channel the bot has never seen', () => act('list.acknowledge', target, '19:random@thread.tacv2'), 403, 'unknown-conversation'],
      ['a personal chat outside the missing team', () => act('child.note', { ...target, childRef: 'TEST-0001', noteText: 'x' }, undefined, POLICE_OFFICER), 403, 'role-not-held'],
      ['Education recording a return', () => act('child.return', { ...target, childRef: 'TEST-0001', episodeId: '00000000-0000-4000-8000-000000000000', returnedDate: DATE, returnedTime: '08:30' }, EDUCATION, TEACHER), 403, 'agency-does-not-act'],
      ['an unknown child', () => act('child.acknowledge', { ...target, childRef: 'NOBODY-1' }, POLICE), 404, 'child not on list'],
      ['tampered data', () => act('child.acknowledge', { ...target, childRef: { $ne: null }, page: 'all' }, POLICE), 400, 'invalid data'],
      ['an acknowledgement naming a key longer than any card shows', () => act('list.acknowledge', { ...target, seen: ['TEST-0001/a/high/0', 'K'.repeat(121)] }, POLICE), 400, 'invalid data'],
      ['an acknowledgement naming an empty key', () => act('list.acknowledge', { ...target, seen: ['TEST-0001/a/high/0', ''] }, POLICE), 400, 'invalid data'],
      ['an acknowledgement naming more keys than any card holds', () => act('list.acknowledge', { ...target, seen: Array.from({ length: 2001 }, (_, index) => `K${index}`) }, POLICE), 400, 'invalid data'],
      ['an unknown verb', () => act('child.delete', { ...target, childRef: 'TEST-0001' }, POLICE), 400, 'unknown verb'],
      ['a list date no card was posted for', () => act('list.acknowledge', { ...target, listDate: '2026-06-10' }, POLICE), 404, 'card not posted here'],
    ];
    for (const [what, attempt, status, reason] of refusals) {
      it(`refuses ${what} with ${status} (${reason})`, async () => {
        const before = [await count('acknowledgements'), await count('agency_notes')];
        const refusedBefore = (await app.db.query(`select 1 from audit_log where action = 'invoke.refused'`)).length;
        const answer = await attempt();
        assert.equal(answer.status, status);
        assert.deepEqual([answer.body.statusCode, answer.body.type], [status, 'application/vnd.microsoft.error']);
        assert.ok(answer.body.value.message.length > 10);
        assert.deepEqual([await count('acknowledgements'), await count('agency_notes')], before);
        const refused = await app.db.query<{ details: { reason: string } }>(`select details from audit_log where action = 'invoke.refused' order by id`);
        assert.equal(refused.length, refusedBefore + 1);
        assert.equal(refused.at(-1)!.details.reason, reason);
      });
    }

    it('refuses another tenant with 403 before anything runs', async () => {
      const activity = { ...executeAction(connector.url, 'list.acknowledge', target, { channel: POLICE }), conversation: { id: POLICE, conversationType: 'channel', tenantId: 'ffffffff-0000-0000-0000-000000000000' }, channelData: { tenant: { id: 'ffffffff-0000-0000-0000-000000000000' }, channel: { id: POLICE } } };
      const refusing = await startTestApp({ ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000001' }, () => NOW);
      try {
        const answer = await postActivity(refusing.url, activity);
        assert.equal(answer.status, 403);
      } finally {
        await refusing.stop();
      }
    });
  });
});
