import assert from 'node:assert/strict';
import { changeEpisode, createRhi, recordReturn, reportMissing } from '../../src/recording/service';
import { episodeHistory, findChildByRef, findEpisode, listEpisodesOfChild, rhisCoveringEpisodes } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { cardProblems, refusalsShown } from '../support/cards';
import { COORDINATOR, executeAction, POLICE_OFFICER, startConnector, teamsMessage, type ConnectorStub, postActivity } from '../support/connector';
import { linkTestChannel } from '../support/channels';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const POLICE = '19:police@thread.tacv2';
const EDUCATION = '19:education@thread.tacv2';
const TEACHER = { id: '29:user-school', name: 'Sam School', aadObjectId: '00000000-0000-0000-0000-0000000000022' };
const target = { kind: 'daily_list', listDate: '2026-06-09', page: 0, childRef: 'TEST-0001' };

type Element = { type: string; id?: string; text?: string; color?: string; value?: string; items?: Element[]; actions?: Element[]; title?: string };

/** Every element of a card, in order, however deep. */
function elementsOf(card: { body: Element[] }): Element[] {
  const all: Element[] = [];
  const walk = (items: Element[]) => {
    for (const item of items) {
      all.push(item);
      if (Array.isArray(item.items)) walk(item.items);
    }
  };
  walk(card.body);
  return all;
}

/** The input with this id, and the sentence drawn right under it (a refusal), if any. */
function field(card: { body: Element[] }, id: string): { input: Element; problem: string | null } {
  const elements = elementsOf(card);
  const index = elements.findIndex((element) => element.id === id);
  assert.ok(index >= 0, `no input ${id} on the card`);
  const next = elements[index + 1];
  return { input: elements[index]!, problem: next?.type === 'TextBlock' && next.color === 'Attention' ? next.text! : null };
}

/** The sentences shown as refusals anywhere on a card. */
const buttonsOn = (card: { body: Element[] }) => elementsOf(card).flatMap((element) => (element.type === 'ActionSet' ? element.actions!.map((action) => action.title!) : []));

describe('a child’s card: forms drawn in the card, refusals beside the field, a confirmation for every write', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let episodeId: string;
  const act = (verb: string, data: unknown, options: { channel?: string; from?: typeof COORDINATOR } = {}) => postActivity(app.url, executeAction(connector.url, verb, data, { from: COORDINATOR, ...options }));
  const say = (text: string, options: { channel?: string; from?: typeof COORDINATOR } = {}) => postActivity(app.url, teamsMessage(connector.url, text, options));
  const lastReply = () => connector.calls.filter((call) => call.method === 'POST').at(-1)?.body;
  const refusedForms = async () => (await app.db.query<{ details: Record<string, unknown> }>(`select details from audit_log where action = 'form.refused' order by id`)).map((row) => row.details);
  const episode = async () => (await findEpisode(app.db, episodeId))!;

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId }, () => NOW);
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await linkTestChannel(app.db, connector.url, EDUCATION, 'education');
    // The cards acted on below: today's list in the agency channels and in the coordinator's personal chat.
    await app.poster.runOnce();
    await say('list');
  });
  // Each test starts from one child, missing since 03:00 at medium risk, and nothing else.
  beforeEach(async () => {
    await app.refresher.idle();
    await app.db.exec('truncate audit_log, agency_notes, acknowledgements, return_interview_episodes, return_interviews, episode_history, episodes, children restart identity cascade');
    const { value } = await app.db.transaction((tx) => reportMissing(tx, report({ riskGrade: 'medium', policeRef: 'POL-MT1', reportedAt: at('2026-06-09T02:00:00Z'), lastSeen: 'Park' }), context({ now: NOW })));
    episodeId = value.id;
  });
  const returned = () => app.db.transaction((tx) => recordReturn(tx, episodeId, { returnedAt: at('2026-06-09T07:30:00Z'), safeAndWellCheck: 'done' }, context({ now: NOW })));
  after(async () => {
    await app.stop();
    await connector.close();
  });

  describe('what each person may do from it', () => {
    it('shows a police officer the child by initials, just for them, with what the police record', async () => {
      const postsBefore = connector.calls.filter((call) => call.method === 'POST').length;
      const answer = await act('child.details', target, { channel: POLICE, from: POLICE_OFFICER });
      const card = answer.body.value;
      assert.deepEqual(cardProblems(card), []);
      assert.deepEqual(card.refresh.userIds, [POLICE_OFFICER.id], 'a user-specific view for the person who asked');
      const text = JSON.stringify(card);
      assert.match(text, /\*\*T\.E\.\*\* · TEST-0001/);
      assert.ok(!text.includes('Testy'));
      assert.match(text, /Missing \*\*6 h\*\* · Medium risk · missing from home/);
      assert.deepEqual(buttonsOn(card), ['Acknowledge for Police', 'Record found / returned', 'Add what you know']);
      assert.equal(connector.calls.filter((call) => call.method === 'POST').length, postsBefore, 'not a new message in the channel');
    });

    it('shows a school what schools do: acknowledge and add what they know (seen, attended)', async () => {
      const card = (await act('child.details', target, { channel: EDUCATION, from: TEACHER })).body.value;
      assert.deepEqual(buttonsOn(card), ['Acknowledge for Education', 'Add what you know']);
      const form = (await act('child.details', { ...target, form: 'note' }, { channel: EDUCATION, from: TEACHER })).body.value;
      assert.match(JSON.stringify(field(form, 'noteCategory').input), /"Attended \(school, appointment\)"/);
    });

    it('gives the missing team the full name and every form, validating with the official parser', async () => {
      const card = (await act('child.details', target)).body.value;
      assert.deepEqual(cardProblems(card), []);
      assert.match(JSON.stringify(card), /Testy Example/);
      assert.deepEqual(buttonsOn(card), ['Record found / returned', 'Add what you know', 'Update risk and what is known', 'Record decision', 'Add an action']);
    });
  });

  describe('recording a return', () => {
    it('draws the form with no time filled in (a slip would start the 72-hour clock wrongly), and the date bounded', async () => {
      const card = (await act('child.details', { ...target, form: 'return' })).body.value;
      assert.deepEqual(cardProblems(card), []);
      const time = field(card, 'returnedTime').input as Element & { isRequired: boolean; errorMessage: string };
      assert.deepEqual([time.value, time.isRequired, time.errorMessage], ['', true, 'Give the time as HH:MM, e.g. 09:05.']);
      const date = field(card, 'returnedDate').input as Element & { min: string; max: string };
      assert.deepEqual([date.min, date.max], ['2026-06-09', '2026-06-09']);
      assert.deepEqual(buttonsOn(card), ['Record return', 'Cancel']);
    });

    it('brings a refused return back as the same form, entries kept, the reason beside the time, nothing changed', async () => {
      const entries = { returnedDate: '2026-06-09', returnedTime: '02:00', safeAndWellCheck: 'done' };
      const answer = await act('child.return', { ...target, episodeId, ...entries });
      assert.equal(answer.body.statusCode, 200, 'a card Teams draws, not an error it hides');
      const card = answer.body.value;
      assert.deepEqual(cardProblems(card), []);
      assert.deepEqual(field(card, 'returnedTime'), { input: field(card, 'returnedTime').input, problem: 'The return time is before the child was reported missing (03:00 Tue 9 Jun).' });
      assert.deepEqual([field(card, 'returnedDate').input.value, field(card, 'returnedTime').input.value, field(card, 'safeAndWellCheck').input.value], ['2026-06-09', '02:00', 'done']);
      assert.equal((await episode()).returnedAt, null);
      assert.deepEqual(await refusedForms(), [{ agency: 'missing-team', form: 'return', childRef: 'TEST-0001', fields: ['returnedTime'] }]);
      const future = (await act('child.return', { ...target, episodeId, ...entries, returnedTime: '23:00' })).body.value;
      assert.equal(field(future, 'returnedTime').problem, 'The return time is in the future.');
      const garbled = (await act('child.return', { ...target, episodeId, ...entries, returnedTime: '25:99' })).body.value;
      assert.equal(field(garbled, 'returnedTime').problem, 'Give the time as HH:MM, e.g. 09:05.');
      assert.equal((await episode()).returnedAt, null);
    });

    it('confirms what was recorded and when the RHI is due, then lets a slip be corrected, audited', async () => {
      const ok = await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '08:30', safeAndWellCheck: 'done' });
      const card = ok.body.value;
      assert.match(JSON.stringify(card), /✓ Recorded: back 08:30 Tue 9 Jun\. The Return Home Interview is due by 08:30 Fri 12 Jun\./);
      assert.equal((await episode()).returnedAt?.toISOString(), '2026-06-09T07:30:00.000Z');
      assert.deepEqual(buttonsOn(card), ['Correct the return time', 'Add what you know', 'Update risk and what is known', 'Record RHI', 'Record decision', 'Add an action']);
      const form = (await act('child.details', { ...target, form: 'correct' })).body.value;
      assert.equal(field(form, 'returnedTime').input.value, '08:30', 'the correction starts from what was recorded');
      const corrected = await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '08:03', safeAndWellCheck: 'done' });
      assert.match(JSON.stringify(corrected.body.value), /✓ Return time corrected to 08:03 Tue 9 Jun \(was 08:30 Tue 9 Jun\)\. The interview is now due by 08:03 Fri 12 Jun\./);
      const audit = await app.db.query<{ actor: string }>(`select actor from audit_log where action = 'episode.return_corrected'`);
      assert.deepEqual(audit.map((row) => row.actor), [COORDINATOR.aadObjectId]);
    });

    it('refuses a correction from Teams once the return was recorded more than 24 hours ago', async () => {
      await returned();
      await app.db.exec(`update episode_history set changed_at = changed_at - interval '25 hours' where field = 'returnedAt'`);
      const card = (await act('child.details', target)).body.value;
      assert.ok(!buttonsOn(card).includes('Correct the return time'));
      const late = (await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '08:10' })).body.value;
      assert.equal(field(late, 'returnedTime').problem, 'This return was recorded more than 24 hours ago, so it can no longer be corrected from Teams: correct it in the case-management system.');
      assert.equal((await episode()).returnedAt?.toISOString(), '2026-06-09T07:30:00.000Z');
    });

    it('lets the police record found and the safe and well check from their own channel, as themselves', async () => {
      const found = await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '08:40', safeAndWellCheck: '' }, { channel: POLICE, from: POLICE_OFFICER });
      assert.match(JSON.stringify(found.body.value), /✓ Recorded: back 08:40 Tue 9 Jun/);
      assert.ok(buttonsOn(found.body.value).includes('Safe and well check'));
      const check = await act('child.safe', { ...target, episodeId, safeAndWellCheck: 'done' }, { channel: POLICE, from: POLICE_OFFICER });
      assert.match(JSON.stringify(check.body.value), /✓ Recorded: safe and well check done\./);
      assert.equal((await episode()).safeAndWellCheck, 'done');
      const actors = await app.db.query<{ action: string; actor: string; agency: string }>(`select action, actor, details->>'agency' as agency from audit_log where action in ('episode.returned', 'episode.changed') order by id`);
      assert.deepEqual(actors.map((row) => [row.action, row.actor]), [
        ['episode.returned', POLICE_OFFICER.aadObjectId],
        ['episode.changed', POLICE_OFFICER.aadObjectId],
      ]);
    });
  });

  describe('risk and what is known', () => {
    it('asks why a grade changed, beside the reason, keeping the entries; then keeps the reason in the history', async () => {
      const bare = (await act('child.update', { ...target, episodeId, riskGrade: 'high', riskReason: '', lastSeen: 'Bus station', concerns: 'cce' })).body.value;
      assert.equal(field(bare, 'riskReason').problem, 'Say why the risk grade changed: the reason is kept with the grade history.');
      assert.deepEqual([field(bare, 'riskGrade').input.value, field(bare, 'lastSeen').input.value, field(bare, 'concerns').input.value], ['high', 'Bus station', 'cce']);
      assert.equal((await episode()).riskGrade, 'medium');
      const saved = (await act('child.update', { ...target, episodeId, riskGrade: 'high', riskReason: 'Seen with an older male', lastSeen: 'Bus station', concerns: 'cce,county_lines' })).body.value;
      assert.match(JSON.stringify(saved), /✓ Saved: grade high \(was medium\), last seen, concerns\./);
      assert.match(JSON.stringify(saved), /09:00 Tue 9 Jun: High \(was Medium\): Seen with an older male/);
      const now = await episode();
      assert.deepEqual([now.riskGrade, now.lastSeen, now.exploitationConcerns], ['high', 'Bus station', ['cce', 'county_lines']]);
      assert.deepEqual((await episodeHistory(app.db, episodeId)).filter((entry) => entry.field === 'riskGrade').map((entry) => [entry.newValue, entry.changedBy, entry.reason]), [
        ['medium', 'test-system', null],
        ['high', COORDINATOR.aadObjectId, 'Seen with an older male'],
      ]);
    });

    it('leaves an ungraded child’s grade unchosen rather than suggesting Medium', async () => {
      await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0002', riskGrade: null, policeRef: 'POL-MT2', reportedAt: at('2026-06-09T03:00:00Z') }), context({ now: NOW })));
      const card = (await act('child.details', { ...target, childRef: 'TEST-0002', form: 'update' })).body.value;
      assert.equal(field(card, 'riskGrade').input.value, '');
      assert.match(JSON.stringify(card), /\*\*Risk not graded yet\*\*/);
    });

    it('refuses the missing team’s recording to anyone else, changing nothing', async () => {
      const answer = await act('child.update', { ...target, episodeId, riskGrade: 'high', riskReason: 'x' }, { channel: POLICE, from: POLICE_OFFICER });
      assert.equal(answer.body.statusCode, 403);
      assert.deepEqual((await episodeHistory(app.db, episodeId)).map((entry) => entry.newValue), ['medium']);
    });

    it('refuses a form whose episode belongs to another child', async () => {
      const other = await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0002', policeRef: 'POL-MT2', reportedAt: at('2026-06-09T03:00:00Z') }), context({ now: NOW })));
      const answer = await act('child.update', { ...target, episodeId: other.value.id, riskGrade: 'low', riskReason: 'x' });
      assert.equal(answer.body.statusCode, 404);
      assert.equal((await episodeHistory(app.db, other.value.id)).length, 1);
    });
  });

  describe('the Return Home Interview, step by step', () => {
    const step = (rhiStep: string, rhiTime: string, extra: Record<string, string> = {}) => act('child.rhi', { ...target, episodeId, rhiStep, rhiDate: '2026-06-09', rhiTime, rhiBy: 'Independent worker', rhiProvider: '', ...extra });

    it('offers only "Offered" first, and says so', async () => {
      await returned();
      const card = (await act('child.details', { ...target, form: 'rhi' })).body.value;
      assert.deepEqual((field(card, 'rhiStep').input as unknown as { choices: { value: string }[] }).choices.map((choice) => choice.value), ['offered']);
      assert.match(JSON.stringify(card), /First record when the interview was offered/);
    });

    it('records offered, no contact, offered again, then done: the provider asked for beside its field', async () => {
      await returned();
      assert.match(JSON.stringify((await step('offered', '08:35')).body.value), /✓ Recorded: interview offered 08:35 Tue 9 Jun\. Next: accepted, declined, no contact, completed\./);
      await step('no_contact', '08:40');
      await step('offered', '08:45');
      const noProvider = (await step('completed', '08:55')).body.value;
      assert.equal(field(noProvider, 'rhiProvider').problem, 'Say who carried out the interview (the provider).');
      assert.equal(field(noProvider, 'rhiStep').input.value, 'completed', 'the entries are kept');
      const future = (await step('completed', '10:30', { rhiProvider: 'in_house' })).body.value;
      assert.equal(field(future, 'rhiTime').problem, 'The interview time is in the future.');
      const done = (await step('completed', '08:55', { rhiProvider: 'in_house' })).body.value;
      assert.match(JSON.stringify(done), /✓ Recorded: interview completed 08:55 Tue 9 Jun\./);
      const [rhi] = await rhisCoveringEpisodes(app.db, [episodeId]);
      assert.deepEqual([rhi!.offeredAt?.toISOString(), rhi!.outcome, rhi!.completedAt?.toISOString(), rhi!.provider], ['2026-06-09T07:45:00.000Z', 'accepted', '2026-06-09T07:55:00.000Z', 'in_house']);
      assert.ok(!buttonsOn(done).includes('Record RHI'), 'nothing left to record');
    });

    it('refuses a step that does not follow, beside the step', async () => {
      await returned();
      const card = (await step('completed', '08:55', { rhiProvider: 'in_house' })).body.value;
      assert.equal(field(card, 'rhiStep').problem, 'That step does not follow what is recorded: next is offered.');
      assert.deepEqual(await rhisCoveringEpisodes(app.db, [episodeId]), []);
    });
  });

  describe('a child placed here by another authority', () => {
    it('records that the placing authority was told, and the flag leaves the card', async () => {
      const ola = { ...report({ childRef: 'TEST-0003', policeRef: 'POL-MT3', kind: 'missing_from_care', reportedAt: at('2026-06-09T04:00:00Z') }) };
      ola.child = { ...ola.child, lookedAfter: true, placingAuthority: 'Example County Council' };
      const { value } = await app.db.transaction((tx) => reportMissing(tx, ola, context({ now: NOW })));
      const olaTarget = { ...target, childRef: 'TEST-0003' };
      const before = (await act('child.details', olaTarget)).body.value;
      assert.match(JSON.stringify(before), /\*\*Example County Council not yet told\*\*/);
      assert.ok(buttonsOn(before).includes('Placing authority told'));
      const told = (await act('child.told', { ...olaTarget, episodeId: value.id, toldDate: '2026-06-09', toldTime: '08:20' })).body.value;
      assert.match(JSON.stringify(told), /✓ Recorded: Example County Council told 08:20 Tue 9 Jun\./);
      assert.ok(!JSON.stringify(told).includes('not yet told'));
      assert.equal((await findEpisode(app.db, value.id))!.placingAuthorityNotifiedAt?.toISOString(), '2026-06-09T07:20:00.000Z');
    });

    it('refuses "told" for a child this authority placed, beside the time', async () => {
      const card = (await act('child.told', { ...target, episodeId, toldDate: '2026-06-09', toldTime: '08:20' })).body.value;
      assert.equal(field(card, 'toldTime').problem, 'This child was not placed here by another authority: there is no placing authority to tell.');
    });
  });

  describe('reporting a child missing', () => {
    const form = { childRef: 'TEAMS-1', givenName: 'Kit', familyName: 'Example', dateOfBirth: '2012-01-02', kind: 'missing_from_care', lookedAfter: 'true', placingAuthority: '', reportedDate: '2026-06-09', reportedTime: '08:50', riskGrade: 'high', policeRef: 'POL-TEAMS-1', lastSeen: 'Station', concerns: 'cce,county_lines' };

    it('opens the form for the missing team only, and reports a child from it with a confirmation', async () => {
      await say('missing', { from: POLICE_OFFICER });
      assert.match(lastReply().text, /Only the missing team can report a child missing/);
      await say('missing');
      const card = lastReply().attachments[0].content;
      assert.deepEqual(cardProblems(card), []);
      assert.equal(field(card, 'reportedTime').input.value, '', 'no time suggested');
      const answer = await act('episode.report', form);
      assert.match(JSON.stringify(answer.body.value), /✓ Reported missing since 08:50 Tue 9 Jun\./);
      const child = await findChildByRef(app.db, 'TEAMS-1');
      const [recorded] = await listEpisodesOfChild(app.db, child!.id);
      assert.deepEqual([recorded!.kind, recorded!.riskGrade, recorded!.reportedAt.toISOString(), recorded!.exploitationConcerns], ['missing_from_care', 'high', '2026-06-09T07:50:00.000Z', ['cce', 'county_lines']]);
    });

    it('brings a refused report back with the entries kept and each reason beside its field', async () => {
      const careNotLookedAfter = (await act('episode.report', { ...form, lookedAfter: 'false' })).body.value;
      assert.equal(field(careNotLookedAfter, 'kind').problem, 'Missing from care and away from placement are for a looked-after child: say the child is looked after, or choose missing from home.');
      assert.equal(field(careNotLookedAfter, 'childRef').input.value, 'TEAMS-1');
      const unknownKind = (await act('episode.report', { ...form, kind: 'lost' })).body.value;
      assert.equal(field(unknownKind, 'kind').problem, 'Choose how the child went missing.');
      const unborn = (await act('episode.report', { ...form, dateOfBirth: '2027-01-01' })).body.value;
      assert.equal(field(unborn, 'dateOfBirth').problem, 'The date of birth is in the future.');
      assert.equal(await findChildByRef(app.db, 'TEAMS-1'), undefined);
      const stillMissing = (await act('episode.report', { ...form, childRef: 'TEST-0001', kind: 'missing_from_home', lookedAfter: 'false', reportedTime: '08:10', policeRef: '' })).body.value;
      assert.equal(field(stillMissing, 'reportedTime').problem, 'This child is already recorded as missing since 03:00 Tue 9 Jun: record that return first, or check the times.');
    });
  });

  it('shows the missing team a child’s whole history, restricted notes included', async () => {
    await app.db.transaction(async (tx) => {
      await changeEpisode(tx, episodeId, { riskGrade: 'high', riskReason: 'Seen with an older male' }, context({ now: NOW }));
      await recordReturn(tx, episodeId, { returnedAt: at('2026-06-09T07:30:00Z'), safeAndWellCheck: 'done' }, context({ now: NOW }));
      await createRhi(tx, { episodeIds: [episodeId], offeredAt: at('2026-06-09T07:45:00Z'), completedAt: at('2026-06-09T07:55:00Z'), provider: 'in_house' }, context({ now: NOW }));
    });
    await say('history TEST-0001');
    const text = lastReply().text as string;
    assert.match(text, /\*\*Testy Example\*\* · TEST-0001 · history \(1 episode\)/);
    assert.match(text, /risk Medium 03:00 Tue 9 Jun → High 09:00 Tue 9 Jun/);
    assert.match(text, /RHI offered 08:45 Tue 9 Jun, accepted, done 08:55 Tue 9 Jun \(in-house independent worker\)/);
    await say('history TEST-0001', { from: POLICE_OFFICER });
    assert.match(lastReply().text, /Only the missing team can see a child's history/);
  });

  it('says every refusal a person can meet on these forms as a sentence: no codes, no ISO times, no "must be"', async () => {
    const olaChild = report({ childRef: 'TEST-0004', policeRef: 'POL-MT4', kind: 'missing_from_care', reportedAt: at('2026-06-08T04:00:00Z') });
    olaChild.child = { ...olaChild.child, lookedAfter: true, placingAuthority: 'Example County Council' };
    const ola = (await app.db.transaction((tx) => reportMissing(tx, olaChild, context({ now: NOW })))).value;
    await app.db.transaction((tx) => recordReturn(tx, ola.id, { returnedAt: at('2026-06-08T20:00:00Z'), safeAndWellCheck: null }, context({ now: NOW })));
    const day = { returnedDate: '2026-06-09' };
    const olaTarget = { ...target, childRef: 'TEST-0004', episodeId: ola.id };
    const attempts: [string, Record<string, unknown>][] = [
      ['child.return', { ...target, episodeId, ...day, returnedTime: '02:00' }],
      ['child.return', { ...target, episodeId, ...day, returnedTime: '23:00' }],
      ['child.return', { ...target, episodeId, ...day, returnedTime: '25:99' }],
      ['child.return', { ...target, episodeId, returnedDate: '1999-02-30', returnedTime: '08:00' }],
      ['child.return', { ...target, episodeId, returnedDate: '1999-01-01', returnedTime: '08:00' }],
      ['child.safe', { ...olaTarget, safeAndWellCheck: 'maybe' }],
      ['child.update', { ...target, episodeId, riskGrade: 'high', riskReason: '' }],
      ['child.update', { ...target, episodeId, riskGrade: 'severe' }],
      ['child.update', { ...target, episodeId, concerns: 'gangs' }],
      ['child.update', { ...target, episodeId, lastSeen: 'x'.repeat(501) }],
      ['child.rhi', { ...olaTarget, rhiStep: 'completed', rhiDate: '2026-06-09', rhiTime: '08:00', rhiProvider: 'in_house' }],
      ['child.rhi', { ...olaTarget, rhiStep: 'offered', rhiDate: '2026-06-08', rhiTime: '19:00' }],
      ['child.rhi', { ...olaTarget, rhiStep: 'offered', rhiDate: '2026-06-09', rhiTime: '10:00' }],
      ['child.rhi', { ...olaTarget, rhiStep: 'teleported', rhiDate: '2026-06-09', rhiTime: '08:00' }],
      ['child.rhi', { ...olaTarget, rhiStep: 'offered', rhiDate: '2026-06-09', rhiTime: '08:00', rhiProvider: 'cousin' }],
      ['child.told', { ...target, episodeId, toldDate: '2026-06-09', toldTime: '08:00' }],
      ['child.told', { ...olaTarget, toldDate: '2026-06-09', toldTime: '10:00' }],
      ['child.note', { ...target, noteText: '   ' }],
      ['child.note', { ...target, noteText: 'x'.repeat(501) }],
      ['episode.report', { childRef: '', kind: 'missing_from_home', reportedDate: '2026-06-09', reportedTime: '08:00' }],
      ['episode.report', { childRef: 'NEW-1', kind: 'missing_from_care', lookedAfter: 'false', reportedDate: '2026-06-09', reportedTime: '08:00' }],
      ['episode.report', { childRef: 'NEW-1', kind: 'missing_from_home', dateOfBirth: '1960-01-01', reportedDate: '2026-06-09', reportedTime: '08:00' }],
      ['episode.report', { childRef: 'NEW-1', kind: 'missing_from_home', reportedDate: '2026-06-09', reportedTime: '11:00' }],
      ['episode.report', { childRef: 'TEST-0001', kind: 'missing_from_home', reportedDate: '2026-06-09', reportedTime: '08:00' }],
    ];
    const shown: string[] = [];
    for (const [verb, data] of attempts) {
      const answer = await act(verb, data);
      const problems = answer.body.statusCode === 200 ? refusalsShown(answer.body.value) : [answer.body.value.message];
      assert.ok(problems.length > 0, `${verb} ${JSON.stringify(data).slice(0, 120)} was not refused`);
      shown.push(...problems);
    }
    if (process.env.SHOW_MESSAGES) console.log(shown.join('\n'));
    for (const message of shown) {
      assert.match(message, /^[A-Z]/, message);
      assert.match(message, /[.)]$/, message);
      assert.ok(!/\d{4}-\d{2}-\d{2}T|\b[a-z]+_[a-z_]+\b|must (not )?be|\bnull\b|undefined|episodeIds?\b|\b[a-z]+At\b/.test(message), `reads like code: ${message}`);
    }
  });
});
