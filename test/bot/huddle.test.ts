import assert from 'node:assert/strict';
import { reportMissing } from '../../src/recording/service';
import { startTestApp } from '../support/app';
import { bumpListVersion } from '../../src/store/postedCards';
import { refusalsShown } from '../support/cards';
import { linkTestChannel } from '../support/channels';
import { COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, TEAM_ID, teamsMessage, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const DATE = '2026-06-09';
const GENERAL = TEAM_ID; // the missing team's channel (General's id is the team's)
const POLICE = '19:police@thread.tacv2';
const HEALTH = '19:health@thread.tacv2';
const NURSE = { id: '29:user-nurse', name: 'Nell Nurse', aadObjectId: '00000000-0000-0000-0000-0000000000022' };
const CHAIR = { id: '29:user-chair', name: 'Casey Chair', aadObjectId: '00000000-0000-0000-0000-0000000000024' };
/** The team's roster as Teams lists it (GET …/pagedmembers). */
const ROSTER = [COORDINATOR, POLICE_OFFICER, NURSE, CHAIR].map((person) => ({ id: person.id, name: person.name, aadObjectId: person.aadObjectId }));
const ACTION = { actionWhat: 'Check the address in Croydon Road', actionOwner: 'police', actionPerson: POLICE_OFFICER.id, actionDueDate: DATE, actionDueTime: '14:00' };

describe('the huddle: decisions and actions per child, minutes to every agency', function () {
  this.timeout(60_000);
  let connector: ConnectorStub;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const act = (verb: string, data: unknown, from = COORDINATOR, channel: string | undefined = GENERAL) => postActivity(app.url, executeAction(connector.url, verb, data, { from, channel }));
  const say = (text: string, from = COORDINATOR, channel: string | null = GENERAL) => postActivity(app.url, teamsMessage(connector.url, text, { from, channel: channel ?? undefined }));
  const text = (answer: { body: { value: unknown } }) => JSON.stringify(answer.body.value);
  /** What the bot posted or updated in a conversation, newest last. */
  const sentTo = (conversation: string, method?: string) => connector.calls.filter((call) => call.path.startsWith(`/v3/conversations/${conversation}`) && call.path.includes('/activities') && (!method || call.method === method));
  const lastReply = () => JSON.stringify(connector.calls.filter((call) => call.method === 'POST' && call.path.includes('/activities')).at(-1)?.body ?? null);
  const rows = <T = any>(sql: string, params: unknown[] = []) => app.db.query<T>(sql, params);
  const open = async () => {
    await say('huddle');
    return rows(`select * from huddles`);
  };
  const save = (index: number, childRef: string, values: Record<string, string>, from = COORDINATOR) => act('huddle.save', { listDate: DATE, index, childRef, ...values }, from);

  before(async () => {
    connector = await startConnector();
    let ids = 0;
    connector.respond = (call: ConnectorCall) => {
      if (call.method === 'GET' && call.path.includes('/pagedmembers')) return { status: 200, body: { members: ROSTER } };
      if (call.method === 'GET') return { status: 404, body: {} };
      return { status: call.method === 'PUT' ? 200 : 201, body: { id: `activity-${++ids}` } };
    };
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId, CHAIR_USER_IDS: CHAIR.aadObjectId }, () => NOW);
    await linkTestChannel(app.db, connector.url, GENERAL, 'missing-team', 'full');
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await linkTestChannel(app.db, connector.url, HEALTH, 'health');
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  // Each test: two children on the list (a high-risk one missing now first, then one back), the list posted, no huddle.
  beforeEach(async () => {
    await app.refresher.idle();
    await app.db.exec('truncate audit_log, reminders, huddle_actions, huddle_decisions, huddles, posted_cards, episode_history, episodes, children restart identity cascade');
    await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0001', riskGrade: 'high', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    const back = report({ childRef: 'TEST-0002', reportedAt: at('2026-06-08T10:00:00Z') });
    back.child = { ...back.child, givenName: 'Other', familyName: 'Child' };
    await app.db.transaction((tx) => reportMissing(tx, { ...back, returnedAt: at('2026-06-08T18:00:00Z') } as never, context({ now: NOW })));
    // The kept list follows the day's version: a truncate behind its back moves it on by hand.
    await bumpListVersion(app.db, DATE);
    await app.poster.runOnce();
    connector.calls.length = 0;
  });

  it('opens huddle mode in the missing team’s channel: the children in the list’s order, as an agenda, then one at a time with the team’s roster', async () => {
    const [huddle] = await open();
    assert.equal(huddle.opened_by, COORDINATOR.aadObjectId);
    const agenda = lastReply();
    assert.match(agenda, /Huddle · Tue 9 Jun · agenda/);
    assert.ok(agenda.indexOf('1. **Testy Example**') < agenda.indexOf('2. **Other Child**'), 'missing now first, as on the list');
    assert.match(agenda, /Not discussed yet/);
    const first = text(await act('huddle.show', { listDate: DATE, index: 0 }));
    assert.match(first, /child 1 of 2/);
    assert.match(first, /"id":"actionPerson"/);
    assert.match(first, /"title":"Pat Police","value":"29:user-police"/, 'the roster is offered as people to own the action');
    assert.match(first, /"id":"actionDueDate"[^}]*"value":"2026-06-10"/, 'due by the next huddle by default');
    // Opening it again does not open a second huddle.
    await say('huddle');
    assert.equal((await rows('select * from huddles')).length, 1);
    assert.match(lastReply(), /already open/);
  });

  it('opens huddle mode from the missing team’s copy of the list, posting the agenda below it; no other copy offers it', async () => {
    const page = { kind: 'daily_list', listDate: DATE, page: 0 };
    assert.match(text(await act('list.page', page)), /"title":"Run the huddle","verb":"huddle.open"/);
    assert.ok(!text(await act('list.page', page, POLICE_OFFICER, POLICE)).includes('Run the huddle'));
    const answer = await act('huddle.open', page);
    assert.match(text(answer), /Huddle opened: its agenda is posted below this list\./);
    assert.match(text(answer), /Daily missing list · Tue 9 Jun/, 'the list stays the list');
    assert.match(lastReply(), /Huddle · Tue 9 Jun · agenda/);
    assert.equal((await rows('select * from huddles')).length, 1);
    const earlier = await act('huddle.open', { ...page, listDate: '2026-06-08' });
    assert.equal(earlier.status, 404, 'no list of that day was posted here');
    const officer = await act('huddle.open', page, POLICE_OFFICER, POLICE);
    assert.equal(officer.status, 403);
  });

  it('saves a decision and a Police action, moves to the next child, and every copy of the list shows the action', async () => {
    await open();
    const answer = await save(0, 'TEST-0001', { decisionText: 'Strategy discussion today; police to check the address', ...ACTION });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.match(text(answer), /Saved for TEST-0001: decision and action/);
    assert.match(text(answer), /child 2 of 2/);
    const [stored] = await rows(`select * from huddle_actions`);
    assert.equal(stored.owner_agency, 'police');
    assert.equal(stored.owner_user_id, POLICE_OFFICER.aadObjectId);
    assert.equal(stored.owner_name, 'Pat Police');
    assert.equal(new Date(stored.due_at).toISOString(), '2026-06-09T13:00:00.000Z', '14:00 UK time');
    assert.equal(stored.set_by, COORDINATOR.aadObjectId);
    await app.refresher.idle();
    const police = JSON.stringify(sentTo(POLICE, 'PUT').at(-1)?.body);
    assert.match(police, /1 action · Police: Check the address in Croydon Road by 14:00/);
    assert.match(JSON.stringify(sentTo(GENERAL, 'PUT').at(-1)?.body), /1 action · Police: Check the address/);
    const audit = await rows(`select details from audit_log where action = 'huddle.recorded'`);
    assert.deepEqual(audit.map((row) => row.details.childRef), ['TEST-0001']);
    assert.ok(!JSON.stringify(audit).includes('Croydon'), 'the words stay out of the audit log');
    // A second action for the same child: saved, and the form stays on the child.
    const second = await save(0, 'TEST-0001', { stay: true as never, ...ACTION, actionWhat: 'Visit the friend’s address', actionPerson: '' } as never);
    assert.match(text(second), /child 1 of 2/);
    assert.match(text(second), /Add the next action below/);
    assert.equal((await rows(`select * from huddle_actions`)).length, 2);
    // The agenda now says what was agreed.
    assert.match(text(await act('huddle.show', { listDate: DATE, index: null })), /Decision: Strategy discussion today[^"]*· 2 actions/);
  });

  it('refuses what it cannot record, beside the field, and records nothing', async () => {
    await open();
    const noOwner = await save(0, 'TEST-0001', { ...ACTION, actionOwner: '' });
    assert.deepEqual(refusalsShown(noOwner.body.value), ['Choose the agency that owns it.']);
    const past = await save(0, 'TEST-0001', { ...ACTION, actionDueTime: '08:00' });
    assert.deepEqual(refusalsShown(past.body.value), ['Give a due time after now and within 60 days.']);
    const stranger = await save(0, 'TEST-0001', { ...ACTION, actionPerson: '29:someone-else' });
    assert.match(refusalsShown(stranger.body.value).join(' '), /That person is not in this team/);
    assert.match(text(stranger), /Check the address in Croydon Road/, 'the entries are kept');
    const tooLong = await save(0, 'TEST-0001', { decisionText: 'x'.repeat(501) });
    assert.deepEqual(refusalsShown(tooLong.body.value), ['Keep the decision to 500 characters.']);
    assert.equal((await rows('select * from huddle_actions')).length, 0);
    assert.equal((await rows('select * from huddle_decisions')).length, 0);
  });

  it('refuses people without the role, a day with no huddle, a child not on the list and a closed huddle, saying why', async () => {
    await say('huddle', POLICE_OFFICER, POLICE);
    assert.match(lastReply(), /Only the missing team or chairs can run the huddle/);
    assert.equal((await rows('select * from huddles')).length, 0);
    const noHuddle = await act('huddle.show', { listDate: DATE, index: 0 });
    assert.equal(noHuddle.status, 404);
    assert.match(JSON.stringify(noHuddle.body), /No huddle was opened for that day/);
    await open();
    const officer = await save(0, 'TEST-0001', ACTION, POLICE_OFFICER);
    assert.equal(officer.status, 403);
    assert.match(JSON.stringify(officer.body), /Only the missing team or chairs can record the huddle’s decisions and actions/);
    const unknown = await save(0, 'TEST-9999', ACTION);
    assert.equal(unknown.status, 404);
    const refusals = await rows(`select details from audit_log where action = 'invoke.refused' order by id`);
    assert.deepEqual(refusals.map((row) => row.details.reason), ['no huddle', 'role-not-held', 'child not on list']);
    await say('minutes');
    const closed = await save(0, 'TEST-0001', ACTION);
    assert.equal(closed.status, 400);
    assert.match(JSON.stringify(closed.body), /This huddle is closed/);
    assert.equal((await rows('select * from huddle_actions')).length, 0);
  });

  it('lets a chair run it too, and adds an action later from the child’s card', async () => {
    await say('huddle', CHAIR, POLICE);
    assert.match(lastReply(), /agenda/);
    const card = { kind: 'daily_list', listDate: DATE, page: 0, childRef: 'TEST-0002' };
    const form = text(await act('child.details', { ...card, form: 'action' }, CHAIR, POLICE));
    assert.match(form, /"title":"Add an action"|Add an action/);
    assert.match(form, /"value":"29:user-nurse"/);
    const added = await act('action.add', { ...card, actionWhat: 'School nurse to see the child', actionOwner: 'health', actionPerson: NURSE.id, actionDueDate: '2026-06-10', actionDueTime: '12:00' }, CHAIR, POLICE);
    assert.match(text(added), /Action set for Health \(Nell Nurse\), due 12:00 Wed 10 Jun/);
    assert.match(text(added), /Health \(Nell Nurse\): School nurse to see the child · by 12:00 Wed 10 Jun/);
    const refused = await act('action.add', { ...card, actionWhat: 'x', actionOwner: 'health', actionDueDate: DATE, actionDueTime: '10:00' }, POLICE_OFFICER, POLICE);
    assert.equal(refused.status, 403);
  });

  it('the owning agency marks an action done from its copy and every copy follows; another agency may not', async () => {
    await open();
    await save(0, 'TEST-0001', ACTION);
    const [action] = await rows(`select id from huddle_actions`);
    const card = { kind: 'daily_list', listDate: DATE, page: 0, childRef: 'TEST-0001' };
    const details = text(await act('child.details', card, POLICE_OFFICER, POLICE));
    assert.match(details, /Close: Check the address in Croydon/);
    const nurse = await act('action.close', { ...card, actionId: action.id, actionOutcome: 'done' }, NURSE, HEALTH);
    assert.equal(nurse.status, 403);
    assert.match(JSON.stringify(nurse.body), /That action is Police's: only Police, the missing team or a chair can close it/);
    const noReason = await act('action.close', { ...card, actionId: action.id, actionOutcome: 'not_possible', actionReason: '' }, POLICE_OFFICER, POLICE);
    assert.deepEqual(refusalsShown(noReason.body.value), ['Say why it was not possible: the huddle needs to know.']);
    connector.calls.length = 0;
    const done = await act('action.close', { ...card, actionId: action.id, actionOutcome: 'done' }, POLICE_OFFICER, POLICE);
    assert.match(text(done), /Marked done/);
    const [closed] = await rows(`select * from huddle_actions`);
    assert.equal(closed.status, 'done');
    assert.equal(closed.closed_by, POLICE_OFFICER.aadObjectId);
    await app.refresher.idle();
    assert.match(JSON.stringify(sentTo(GENERAL, 'PUT').at(-1)?.body), /1 action closed/);
    const again = await act('action.close', { ...card, actionId: action.id, actionOutcome: 'done' }, POLICE_OFFICER, POLICE);
    assert.match(text(again), /already closed/);
  });

  it('changes an action’s owner and due time from the child’s card, for those who run the huddle only', async () => {
    await open();
    await save(0, 'TEST-0001', ACTION);
    const [action] = await rows(`select id from huddle_actions`);
    const card = { kind: 'daily_list', listDate: DATE, page: 0, childRef: 'TEST-0001' };
    const form = text(await act('child.details', { ...card, form: 'changeAction', actionId: action.id }));
    assert.match(form, /Change the action/);
    assert.match(form, /"id":"actionDueTime"[^}]*"value":"14:00"/, 'the form starts from the action as it is');
    const officer = await act('action.change', { ...card, actionId: action.id, ...ACTION, actionDueTime: '16:00' }, POLICE_OFFICER, POLICE);
    assert.equal(officer.status, 403);
    assert.match(JSON.stringify(officer.body), /Only the missing team or chairs can change an action/);
    const changed = await act('action.change', { ...card, actionId: action.id, ...ACTION, actionOwner: 'health', actionPerson: NURSE.id, actionDueTime: '16:00' });
    assert.match(text(changed), /✓ Changed: Health \(Nell Nurse\), due 16:00 Tue 9 Jun/);
    const [after] = await rows(`select owner_agency, owner_name, due_at from huddle_actions`);
    assert.deepEqual([after.owner_agency, after.owner_name, new Date(after.due_at).toISOString()], ['health', 'Nell Nurse', '2026-06-09T15:00:00.000Z']);
    const [audited] = await rows(`select details from audit_log where action = 'action.changed'`);
    assert.deepEqual(audited.details.dueAt, { from: '2026-06-09T13:00:00.000Z', to: '2026-06-09T15:00:00.000Z' });
  });

  it('posts the minutes once into each linked channel: an agency’s own actions first, then the decisions, at its display level', async () => {
    await open();
    await save(0, 'TEST-0001', { decisionText: 'Strategy discussion today', ...ACTION });
    await save(1, 'TEST-0002', { decisionText: 'RHI to be offered by Thursday', actionWhat: 'Offer the RHI', actionOwner: 'missing-team', actionPerson: '', actionDueDate: '2026-06-10', actionDueTime: '17:00' });
    connector.calls.length = 0;
    await say('minutes');
    assert.ok(sentTo(GENERAL, 'POST').some((call) => /Huddle closed\. The minutes are going out now/.test(JSON.stringify(call.body))));
    await app.poster.runOnce();
    const minutes = (conversation: string) => sentTo(conversation, 'POST').map((call) => JSON.stringify(call.body)).filter((body) => body.includes('Huddle minutes'));
    const [police] = minutes(POLICE);
    const [general] = minutes(GENERAL);
    const [health] = minutes(HEALTH);
    assert.ok(police && general && health, 'every linked channel gets the minutes');
    assert.ok(police.indexOf("POLICE'S ACTIONS (1)") < police.indexOf('DECISIONS'), 'Police’s own actions come first');
    assert.match(police, /\*\*T\.E\.\*\* · TEST-0001/);
    assert.ok(!police.includes('Testy'), 'initials only in an agency channel');
    assert.match(police, /Missing team: Offer the RHI/, 'the other agencies’ actions beside the decisions');
    assert.ok(!health.includes("HEALTH'S ACTIONS"), 'no actions of its own: no such section');
    assert.match(general, /Testy Example/, 'the missing team’s channel shows names, as it is set to');
    assert.match(general, /DECISIONS AND ACTIONS \(2 children\)/);
    // Exactly once: another round, and a second minutes command, post nothing more.
    await app.poster.runOnce();
    await say('minutes');
    assert.match(lastReply(), /already closed/);
    assert.ok(police.indexOf('TEST-0002') > police.indexOf('DECISIONS') && general.indexOf('TEST-0001') < general.indexOf('TEST-0002'), 'children in the list’s order');
    await app.poster.runOnce();
    assert.equal(minutes(POLICE).length + minutes(GENERAL).length + minutes(HEALTH).length, 3);
    const posted = await rows(`select channel_id from posted_cards where kind = 'minutes'`);
    assert.equal(posted.length, 3);
  });

  it('shows decisions and actions in history', async () => {
    await open();
    await save(0, 'TEST-0001', { decisionText: 'Strategy discussion today', ...ACTION });
    await say('history TEST-0001', COORDINATOR, null);
    const answer = lastReply();
    assert.match(answer, /Decisions/);
    assert.match(answer, /Strategy discussion today/);
    assert.match(answer, /Police \(Pat Police\): Check the address in Croydon Road/);
  });
});
