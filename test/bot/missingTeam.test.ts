import assert from 'node:assert/strict';
import { changeEpisode, createRhi, recordReturn, reportMissing } from '../../src/recording/service';
import { episodeHistory, findChildByRef, listEpisodesOfChild, rhisCoveringEpisodes } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { cardProblems } from '../support/cards';
import { COORDINATOR, executeAction, POLICE_OFFICER, startConnector, teamsMessage, type ConnectorStub, postActivity } from '../support/connector';
import { linkTestChannel } from '../support/channels';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const POLICE = '19:police@thread.tacv2';
const target = { kind: 'daily_list', listDate: '2026-06-09', page: 0, childRef: 'TEST-0001' };


describe('details, recording and reporting from the card', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let episodeId: string;
  const act = (verb: string, data: unknown, options: { channel?: string; from?: typeof COORDINATOR } = {}) => postActivity(app.url, executeAction(connector.url, verb, data, { from: COORDINATOR, ...options }));
  const say = (text: string, options: { channel?: string; from?: typeof COORDINATOR } = {}) => postActivity(app.url, teamsMessage(connector.url, text, options));
  const lastReply = () => connector.calls.filter((call) => call.method === 'POST').at(-1)?.body;

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId }, () => NOW);
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    // The cards acted on below: today's list in the Police channel and in the coordinator's personal chat.
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

  it('shows a police officer the child’s details just for them, by initials, without the missing team’s forms', async () => {
    const postsBefore = connector.calls.filter((call) => call.method === 'POST').length;
    const answer = await act('child.details', target, { channel: POLICE, from: POLICE_OFFICER });
    assert.equal(answer.body.statusCode, 200);
    const card = answer.body.value;
    assert.deepEqual(cardProblems(card), []);
    assert.deepEqual(card.refresh.userIds, [POLICE_OFFICER.id], 'a user-specific view for the person who asked');
    const text = JSON.stringify(card);
    assert.match(text, /\*\*T\.E\.\*\* · TEST-0001/);
    assert.ok(!text.includes('Testy'));
    assert.match(text, /Missing \*\*6 h\*\* · Medium risk · missing from home/);
    assert.ok(!text.includes('Record found'), 'no recording forms for an agency');
    assert.equal(connector.calls.filter((call) => call.method === 'POST').length, postsBefore, 'not a new message in the channel');
  });

  it('gives the missing team the forms and full name, and validates with the official parser', async () => {
    const answer = await act('child.details', target);
    const text = JSON.stringify(answer.body.value);
    assert.deepEqual(cardProblems(answer.body.value), []);
    assert.match(text, /Testy Example/);
    assert.match(text, /Record found \/ returned/);
    assert.match(text, /Change risk grade/);
  });

  it('refuses the recording actions to anyone outside the missing team, changing nothing', async () => {
    const answer = await act('child.risk', { ...target, episodeId, riskGrade: 'high' }, { channel: POLICE, from: POLICE_OFFICER });
    assert.equal(answer.body.statusCode, 403);
    assert.deepEqual((await episodeHistory(app.db, episodeId)).map((entry) => entry.newValue), ['medium']);
  });

  it('changes the risk grade as entered, kept in history with who changed it', async () => {
    const answer = await act('child.risk', { ...target, episodeId, riskGrade: 'high' });
    assert.equal(answer.body.statusCode, 200);
    assert.match(JSON.stringify(answer.body.value), /High \(was Medium\)/);
    const history = await episodeHistory(app.db, episodeId);
    assert.deepEqual(history.map((entry) => [entry.newValue, entry.changedBy]), [
      ['medium', 'test-system'],
      ['high', COORDINATOR.aadObjectId],
    ]);
  });

  it('records the return with a clear error for a time before the report, then the real one', async () => {
    const early = await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '02:00', safeAndWellCheck: 'done' });
    assert.equal(early.body.statusCode, 400);
    assert.match(early.body.value.message, /before the child was reported missing/);
    const ok = await act('child.return', { ...target, episodeId, returnedDate: '2026-06-09', returnedTime: '08:30', safeAndWellCheck: 'done' });
    assert.equal(ok.body.statusCode, 200);
    const [episode] = await listEpisodesOfChild(app.db, (await findChildByRef(app.db, 'TEST-0001'))!.id);
    assert.equal(episode!.returnedAt?.toISOString(), '2026-06-09T07:30:00.000Z');
    assert.equal(episode!.safeAndWellCheck, 'done');
    assert.match(JSON.stringify(ok.body.value), /Record RHI/);
  });

  it('records an RHI offered, then completed with its provider', async () => {
    await returned();
    await act('child.rhi', { ...target, episodeId, rhiStep: 'offered', rhiDate: '2026-06-09', rhiTime: '08:45', rhiBy: 'Independent worker' });
    const done = await act('child.rhi', { ...target, episodeId, rhiStep: 'completed', rhiDate: '2026-06-09', rhiTime: '08:55', rhiBy: 'Independent worker', rhiProvider: 'in_house' });
    assert.equal(done.body.statusCode, 200);
    const [rhi] = await rhisCoveringEpisodes(app.db, [episodeId]);
    assert.deepEqual([rhi!.offeredAt?.toISOString(), rhi!.outcome, rhi!.completedAt?.toISOString(), rhi!.provider, rhi!.offeredBy], [
      '2026-06-09T07:45:00.000Z',
      'accepted',
      '2026-06-09T07:55:00.000Z',
      'in_house',
      'Independent worker',
    ]);
    assert.ok(!JSON.stringify(done.body.value).includes('Record RHI'), 'nothing left to record');
  });

  it('refuses a form whose episode belongs to another child', async () => {
    const other = await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0002', policeRef: 'POL-MT2', reportedAt: at('2026-06-09T03:00:00Z') }), context({ now: NOW })));
    const answer = await act('child.risk', { ...target, episodeId: other.value.id, riskGrade: 'low' });
    assert.equal(answer.body.statusCode, 404);
    assert.equal((await episodeHistory(app.db, other.value.id)).length, 1);
  });

  it('opens the missing form for the missing team only, and reports a child from it', async () => {
    await say('missing', { from: POLICE_OFFICER });
    assert.match(lastReply().text, /Only the missing team can report a child missing/);
    await say('missing');
    const form = lastReply().attachments[0].content;
    assert.deepEqual(cardProblems(form), []);
    const answer = await act('episode.report', {
      listDate: '2026-06-09',
      childRef: 'TEAMS-1',
      givenName: 'Kit',
      familyName: 'Example',
      dateOfBirth: '2012-01-02',
      kind: 'missing_from_care',
      lookedAfter: 'true',
      placingAuthority: '',
      reportedDate: '2026-06-09',
      reportedTime: '08:50',
      riskGrade: 'high',
      policeRef: 'POL-TEAMS-1',
      lastSeen: 'Station',
      concerns: 'cce,county_lines',
    });
    assert.equal(answer.body.statusCode, 200, JSON.stringify(answer.body));
    const child = await findChildByRef(app.db, 'TEAMS-1');
    const [episode] = await listEpisodesOfChild(app.db, child!.id);
    assert.deepEqual([episode!.kind, episode!.riskGrade, episode!.reportedAt.toISOString(), episode!.exploitationConcerns], ['missing_from_care', 'high', '2026-06-09T07:50:00.000Z', ['cce', 'county_lines']]);
    const invalid = await act('episode.report', { listDate: '2026-06-09', childRef: 'TEAMS-2', kind: 'lost', reportedDate: '2026-06-09', reportedTime: '08:50' });
    assert.equal(invalid.body.statusCode, 400);
    assert.match(invalid.body.value.message, /kind/);
    assert.equal(await findChildByRef(app.db, 'TEAMS-2'), undefined);
  });

  it('shows the missing team a child’s whole history, restricted notes included', async () => {
    await app.db.transaction(async (tx) => {
      await changeEpisode(tx, episodeId, { riskGrade: 'high' }, context({ now: NOW }));
      await recordReturn(tx, episodeId, { returnedAt: at('2026-06-09T07:30:00Z'), safeAndWellCheck: 'done' }, context({ now: NOW }));
      await createRhi(tx, { episodeIds: [episodeId], offeredAt: at('2026-06-09T07:45:00Z'), completedAt: at('2026-06-09T07:55:00Z'), provider: 'in_house' }, context({ now: NOW }));
    });
    await say('history TEST-0001');
    const text = lastReply().text as string;
    assert.match(text, /\*\*Testy Example\*\* · TEST-0001 · history \(1 episode\)/);
    assert.match(text, /risk Medium 03:00 Tue 9 Jun → High 09:00 Tue 9 Jun/);
    assert.match(text, /RHI offered 08:45 Tue 9 Jun, accepted, done 08:55 Tue 9 Jun \(in house\)/);
    await say('history TEST-0001', { from: POLICE_OFFICER });
    assert.match(lastReply().text, /Only the missing team can see a child's history/);
  });
});
