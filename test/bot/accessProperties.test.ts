import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reportMissing } from '../../src/recording/service';
import { grantRole } from '../../src/store/grants';
import { startTestApp } from '../support/app';
import { linkTestChannel } from '../support/channels';
import { COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, teamsMessage, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

/**
 * For random (person, conversation, command or card action, list date), what the bot does matches
 * a table written here from the rules of issue 7, not from the code: and a refused call changes
 * nothing. Commands that change access itself (link, display, grant, revoke) have their own tests.
 */

const NOW = at('2026-06-09T08:00:00Z');
const DATE = '2026-06-09';
const TEACHER = { id: '29:user-school', name: 'Sam School', aadObjectId: '00000000-0000-0000-0000-0000000000022' };
const MANAGER = { id: '29:user-manager', name: 'Mel Manager', aadObjectId: '00000000-0000-0000-0000-0000000000025' };
const ANONYMOUS = { id: '29:user-anonymous', name: 'No Identity', aadObjectId: undefined as unknown as string };

type PersonName = 'coordinator' | 'officer' | 'teacher' | 'manager' | 'anonymous';
const PEOPLE = { coordinator: COORDINATOR, officer: POLICE_OFFICER, teacher: TEACHER, manager: MANAGER, anonymous: ANONYMOUS };
/** Roles as set up below: the coordinator and manager by configuration, the officer by a police grant (so Police has a roster). */
const MISSING_TEAM = new Set<PersonName>(['coordinator']);
const ON_POLICE_ROSTER = new Set<PersonName>(['officer']);

type PlaceName = 'police' | 'education' | 'missing-team' | 'management' | 'unlinked' | 'stranger' | 'personal';
const CONVERSATION: Record<Exclude<PlaceName, 'personal'>, string> = {
  police: '19:police@thread.tacv2',
  education: '19:education@thread.tacv2',
  'missing-team': '19:missing-team@thread.tacv2',
  management: '19:management@thread.tacv2',
  unlinked: '19:unlinked@thread.tacv2',
  stranger: '19:stranger@thread.tacv2',
};
const LINKED = new Set<PlaceName>(['police', 'education', 'missing-team', 'management']);

/** The rules, as a table: who may, where, and whether the data names a posted card. */
type Rule = 'viewer' | 'acknowledge' | 'note' | 'records-returns' | 'missing-team' | 'missing-team-personal' | 'oversight-personal' | 'anyone-known' | 'anyone';
const VERBS: Record<string, Rule> = {
  'list.page': 'viewer',
  'child.details': 'viewer',
  'list.acknowledge': 'acknowledge',
  'child.acknowledge': 'acknowledge',
  'child.note': 'note',
  'child.update': 'missing-team',
  'child.safe': 'records-returns',
  'child.return': 'records-returns',
};
const COMMANDS: Record<string, Rule> = {
  list: 'viewer',
  overdue: 'viewer',
  missing: 'missing-team',
  'history TEST-0001': 'missing-team-personal',
  'audit TEST-0001': 'oversight-personal',
  status: 'anyone-known',
  roles: 'anyone-known',
  help: 'anyone',
};

function allowed(rule: Rule, person: PersonName, place: PlaceName): boolean {
  const known = place !== 'stranger';
  const missingTeam = MISSING_TEAM.has(person);
  switch (rule) {
    case 'anyone':
      return true;
    case 'anyone-known':
      return known;
    case 'viewer':
      return LINKED.has(place) || (place === 'personal' && missingTeam);
    case 'acknowledge':
      // Agencies acknowledge from their own channel; Police has a roster, Education has none.
      return place === 'education' || (place === 'police' && ON_POLICE_ROSTER.has(person));
    case 'note':
      return place === 'education' || (place === 'police' && ON_POLICE_ROSTER.has(person)) || ((place === 'missing-team' || place === 'personal') && missingTeam);
    case 'records-returns':
      // The police from their channel (Police has a roster); the missing team anywhere the bot knows.
      return (known && missingTeam) || (place === 'police' && ON_POLICE_ROSTER.has(person));
    case 'missing-team':
      return known && missingTeam;
    case 'missing-team-personal':
      return place === 'personal' && missingTeam;
    case 'oversight-personal':
      return place === 'personal' && (missingTeam || person === 'manager');
  }
}

/** Cards posted on DATE: the daily list in every linked channel, and in the personal chat (the coordinator asked). */
const wasPosted = (place: PlaceName, listDate: string) => listDate === DATE && (LINKED.has(place) || place === 'personal');

describe('the access decision matches the rules for random people, places, routes and dates (fast-check)', function () {
  this.timeout(180_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let episodeId: string;
  const state = async () =>
    (
      await app.db.query<{ state: string }>(
        `select concat_ws('/', (select count(*) from acknowledgements), (select count(*) from agency_notes), (select count(*) from episode_history),
           (select count(*) from role_grants), (select string_agg(agency_code || display_level, ',' order by conversation_id) from channels where active and agency_code is not null)) as state`,
      )
    )[0]!.state;
  const refusals = async () => (await app.db.query<{ n: number }>(`select count(*)::int as n from audit_log where action in ('command.refused', 'invoke.refused')`))[0]!.n;

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId, MANAGER_USER_IDS: MANAGER.aadObjectId }, () => NOW);
    ({ value: { id: episodeId } } = await app.db.transaction((tx) => reportMissing(tx, report({ policeRef: 'POL-PR1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW }))));
    for (const place of LINKED) await linkTestChannel(app.db, connector.url, CONVERSATION[place as Exclude<PlaceName, 'personal'>], place as never);
    await app.db.query(`insert into channels (id, conversation_id, team_id, conversation_reference) values (gen_random_uuid(), $1, 'team', '{}')`, [CONVERSATION.unlinked]);
    await grantRole(app.db, { userId: POLICE_OFFICER.aadObjectId, userName: POLICE_OFFICER.name, role: 'police', grantedBy: 'test', grantedAt: NOW });
    await app.poster.runOnce();
    await postActivity(app.url, teamsMessage(connector.url, 'list', { from: COORDINATOR }));
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });

  const person = fc.constantFrom<PersonName>('coordinator', 'officer', 'teacher', 'manager', 'anonymous');
  const place = fc.constantFrom<PlaceName>('police', 'education', 'missing-team', 'management', 'unlinked', 'stranger', 'personal');
  const listDate = fc.constantFrom(DATE, '2026-06-08', '2026-06-10', '2025-01-01');

  it('card actions: allowed ones answer, refused ones answer why and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(person, place, fc.constantFrom(...Object.keys(VERBS)), listDate, async (who, where, verb, date) => {
        const data = { kind: 'daily_list', listDate: date, page: 0, childRef: 'TEST-0001', episodeId, riskGrade: 'high', riskReason: 'Seen with an adult of concern', noteText: 'Seen', safeAndWellCheck: 'done' };
        const channel = where === 'personal' ? undefined : CONVERSATION[where];
        const before = await state();
        const refusedBefore = await refusals();
        const answer = await postActivity(app.url, executeAction(connector.url, verb, data, { channel, from: PEOPLE[who] }));
        const may = allowed(VERBS[verb]!, who, where);
        const expected = !may ? 403 : wasPosted(where, date) ? 200 : 404;
        const what = JSON.stringify({ who, where, verb, date, answer: answer.body });
        assert.equal(answer.status, expected, what);
        if (expected !== 200) {
          assert.equal(await state(), before, `refused and changed something: ${what}`);
          assert.equal(await refusals(), refusedBefore + 1, `refusal not audited: ${what}`);
          assert.equal(answer.body.type, 'application/vnd.microsoft.error');
          assert.ok(!JSON.stringify(answer.body).includes('Testy'), `a refusal named the child: ${what}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('commands: allowed ones run, refused ones say why, are audited, and change nothing', async () => {
    let strangers = 0;
    await fc.assert(
      fc.asyncProperty(person, place, fc.constantFrom(...Object.keys(COMMANDS)), async (who, where, command) => {
        // Teams delivers a channel message only where the bot is installed, so a message makes its
        // channel known (unlinked): each run's stranger is a new channel, read as unlinked.
        const channel = where === 'personal' ? undefined : where === 'stranger' ? `19:stranger-${++strangers}@thread.tacv2` : CONVERSATION[where];
        const before = await state();
        const refusedBefore = await refusals();
        await postActivity(app.url, teamsMessage(connector.url, command, { channel, from: PEOPLE[who] }));
        const may = allowed(COMMANDS[command]!, who, where === 'stranger' ? 'unlinked' : where);
        const what = JSON.stringify({ who, where, command });
        assert.equal(await refusals(), refusedBefore + (may ? 0 : 1), `expected ${may ? 'allowed' : 'refused'}: ${what}`);
        if (!may) assert.equal(await state(), before, `refused and changed something: ${what}`);
      }),
      { numRuns: 200 },
    );
  });
});
