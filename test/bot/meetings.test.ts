import assert from 'node:assert/strict';
import { reportMissing } from '../../src/recording/service';
import { comingMeetings } from '../../src/store/meetings';
import { startTestApp } from '../support/app';
import { refusalsShown } from '../support/cards';
import { linkTestChannel } from '../support/channels';
import { COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, teamsMessage, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { graphEnv, startGraphFake, TEST_CREDENTIAL, type GraphFake } from '../support/graphFake';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const DATE = '2026-06-09';
const POLICE = '19:police@thread.tacv2';
const CHAIR = { id: '29:user-chair', name: 'Casey Chair', aadObjectId: '00000000-0000-0000-0000-0000000000024' };
const target = { kind: 'daily_list', listDate: DATE, page: 0, childRef: 'TEST-0001' };
const ENTRIES = { meetingKind: 'strategy', attendees: 'mispers@force.example\ndsl@school.example', duration: '60', fromDate: DATE };

describe('strategy meetings booked from the card, through Microsoft Graph (a local fake of it)', function () {
  this.timeout(60_000);
  let graph: GraphFake;
  let connector: ConnectorStub;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  // Chairs work from an agency channel's copy of the list (a personal chat's list is the missing team's).
  const act = (verb: string, data: unknown, from = CHAIR, channel: string | undefined = POLICE) => postActivity(app.url, executeAction(connector.url, verb, data, { from, channel }));
  const text = (answer: { body: { value: unknown } }) => JSON.stringify(answer.body.value);
  const count = async (sql: string) => (await app.db.query<{ n: number }>(sql))[0]!.n;
  const latestCopy = () => JSON.stringify(connector.calls.filter((call) => call.method === 'PUT' && call.path.startsWith(`/v3/conversations/${POLICE}/`)).at(-1)?.body ?? null);
  /** Finds times, then books the first one offered. */
  const book = async (entries = ENTRIES) => {
    const found = await act('meeting.find', { ...target, ...entries });
    const slot = JSON.stringify(found.body.value).match(/"value":"(2026-[^"]+Z)"/)?.[1];
    assert.ok(slot, `no time offered: ${refusalsShown(found.body.value).join(' ')}`);
    return act('meeting.book', { ...target, ...entries, slot });
  };

  before(async () => {
    graph = await startGraphFake();
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp(
      {
        ...graphEnv(graph),
        GRAPH_ORGANISER: graph.calendar.mailbox,
        CHAIR_USER_IDS: CHAIR.aadObjectId,
        MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId,
        MEETING_CONTACTS: 'police=mispers@force.example,education=dsl@school.example',
      },
      () => NOW,
      { graphCredential: TEST_CREDENTIAL, calendarTimeoutMs: 2_500 },
    );
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
  });
  after(async () => {
    await app.stop();
    await connector.close();
    await graph.close();
  });
  // Each test: one child, high risk with a CCE concern (a strategy meeting due), the list posted, no meetings.
  beforeEach(async () => {
    await app.refresher.idle();
    await app.db.exec('truncate audit_log, strategy_meetings, posted_cards, episode_history, episodes, children restart identity cascade');
    const notification = report({ riskGrade: 'high', exploitationConcerns: ['cce'], policeRef: 'POL-MTG1', reportedAt: at('2026-06-09T02:00:00Z') });
    notification.child = { ...notification.child, socialWorkerEmail: 'allocated.sw@council.example' };
    await app.db.transaction((tx) => reportMissing(tx, notification, context({ now: NOW })));
    await app.poster.runOnce();
    Object.assign(graph.calendar, { busy: new Map(), unknown: new Set(), events: [], failNext: [], stallNextCreate: 0 });
    graph.calls.length = 0;
    graph.problems.length = 0;
    connector.calls.length = 0;
  });

  it('says on the list which meeting is due and why, and offers Book meeting to chairs only', async () => {
    const list = text(await act('list.page', { kind: 'daily_list', listDate: DATE, page: 0 }, POLICE_OFFICER, POLICE));
    assert.match(list, /\*\*Strategy meeting due: graded high risk, CCE concern\*\*/);
    const chair = text(await act('child.details', target));
    assert.match(chair, /"title":"Book meeting"/);
    const officer = text(await act('child.details', target, POLICE_OFFICER, POLICE));
    assert.ok(!officer.includes('Book meeting'), 'no form for anyone but a chair');
    const refused = await act('meeting.find', { ...target, ...ENTRIES }, POLICE_OFFICER, POLICE);
    assert.deepEqual([refused.body.statusCode, refused.body.value.message], [403, 'Only chairs can book a meeting. Ask your missing coordinator if you need to.']);
    assert.equal(graph.calls.length, 0, 'nothing asked of Graph for a refusal');
  });

  it('offers times when everyone Graph can see is free, naming those it cannot see', async () => {
    graph.calendar.busy.set('mispers@force.example', [{ start: at('2026-06-09T08:00:00Z'), end: at('2026-06-09T12:00:00Z') }]);
    graph.calendar.unknown.add('dsl@school.example');
    const form = await act('child.details', { ...target, form: 'meeting' });
    assert.match(text(form), /"value":"mispers@force\.example\\ndsl@school\.example\\nallocated\.sw@council\.example"/, 'the invited are pre-filled from MEETING_CONTACTS and the child’s social worker');
    const found = await act('meeting.find', { ...target, ...ENTRIES });
    const card = text(found);
    assert.deepEqual(graph.problems, []);
    const [schedule] = graph.calls;
    assert.equal(schedule!.path, `/v1.0/users/${graph.calendar.mailbox}/calendar/getSchedule`);
    assert.deepEqual(schedule!.body.schedules, ['mispers@force.example', 'dsl@school.example']);
    assert.match(card, /"title":"Tue 9 Jun 13:00–14:00","value":"2026-06-09T12:00:00.000Z"/, 'the first time after the police contact’s busy morning');
    assert.equal((card.match(/"title":"[^"]+","value":"2026-06-\d\dT[^"]+Z"/g) ?? []).length, 5, 'up to five times');
    assert.match(card, /Availability unknown \(their calendars are not visible here\): dsl@school\.example\./);
  });

  it('says so when nobody is free in the window, and moves the search on to the next days', async () => {
    graph.calendar.busy.set('mispers@force.example', [{ start: at('2026-06-01T00:00:00Z'), end: at('2026-06-12T00:00:00Z') }]);
    const found = await act('meeting.find', { ...target, ...ENTRIES });
    const card = found.body.value;
    assert.deepEqual(refusalsShown(card), ['No time from Tue 9 Jun to Thu 11 Jun when everyone is free: I have moved the search on to the next days, so try again.']);
    assert.match(JSON.stringify(card), /"id":"fromDate","label":"Look from","isRequired":true,"errorMessage":"[^"]+","value":"2026-06-12"/);
    const next = await act('meeting.find', { ...target, ...ENTRIES, fromDate: '2026-06-12' });
    assert.match(JSON.stringify(next.body.value), /"title":"Fri 12 Jun 09:00–10:00"/, 'the next days have times');
  });

  it('books a private Teams meeting with no child’s name, and every copy shows the time and join link', async () => {
    const booked = await book();
    assert.match(text(booked), /✓ Booked: Strategy meeting, Tue 9 Jun 09:00–10:00\. In missing\.meetings@council\.example's calendar as a Teams meeting; 2 people are invited\./);
    assert.deepEqual(graph.problems, []);
    const [event] = graph.calendar.events;
    assert.equal(event!.subject, 'Strategy meeting: TEST-0001');
    assert.ok(!/Testy|Example/.test(JSON.stringify({ subject: event!.subject, body: event!.body })), 'no child’s name in the invitation');
    assert.deepEqual(event!.attendees.map((attendee) => attendee.emailAddress.address), ['mispers@force.example', 'dsl@school.example']);
    const create = graph.calls.find((call) => call.method === 'POST' && call.path.endsWith('/events'))!;
    assert.deepEqual([create.body.sensitivity, create.body.isOnlineMeeting, create.body.onlineMeetingProvider, create.body.start], ['private', true, 'teamsForBusiness', { dateTime: '2026-06-09T08:00:00', timeZone: 'UTC' }]);
    await app.refresher.idle();
    assert.match(latestCopy(), /Strategy meeting booked Tue 9 Jun 09:00 · \[Join\]\(https:\/\/teams\.microsoft\.com\/l\/meetup-join\/event-1\)/);
    assert.ok(!latestCopy().includes('Strategy meeting due'), 'the prompt stops once booked');
    const audit = await app.db.query<{ details: Record<string, unknown> }>(`select details from audit_log where action = 'meeting.booked'`);
    assert.deepEqual(audit.map((row) => [row.details.kind, row.details.trigger, row.details.invitationSent]), [['strategy', `episode-${(await app.db.query<{ id: string }>('select id from episodes'))[0]!.id}`, true]]);
  });

  it('makes one event when the first answer times out and the chair taps Book again', async () => {
    graph.calendar.stallNextCreate = 3_500;
    const found = await act('meeting.find', { ...target, ...ENTRIES });
    const slot = text(found).match(/"value":"(2026-[^"]+Z)"/)![1]!;
    const first = await act('meeting.book', { ...target, ...ENTRIES, slot });
    assert.deepEqual(refusalsShown(first.body.value), ['Microsoft Graph did not answer in time, so I could not create the meeting. Try again: a retry never books twice.']);
    assert.equal(await count('select count(*)::int as n from strategy_meetings'), 0, 'nothing recorded yet');
    const again = await act('meeting.book', { ...target, ...ENTRIES, slot });
    assert.match(text(again), /✓ Booked/);
    assert.equal(graph.calendar.events.length, 1, 'Graph made one event for the one transaction id');
    const [meeting] = await comingMeetings(app.db, NOW, 5);
    assert.equal(meeting!.graphEventId, graph.calendar.events[0]!.id);
  });

  it('retries 429 once the Retry-After has passed (the client’s retry handler), then books', async () => {
    graph.calendar.failNext.push({ status: 429, retryAfter: 1 });
    const booked = await book();
    assert.match(text(booked), /✓ Booked/);
    const schedules = graph.calls.filter((call) => call.path.endsWith('/getSchedule'));
    assert.equal(schedules.length, 2, 'one refused, one retried');
    assert.ok(schedules[1]!.receivedAt - schedules[0]!.receivedAt >= 900, 'the retry waited for the Retry-After second');
  });

  const failures: [string, { status: number; retryAfter?: number }[], RegExp][] = [
    ['403 names the permission and the mailbox access', [{ status: 403 }], /needs the Calendars\.ReadWrite application permission with admin consent, and access to the mailbox missing\.meetings@council\.example \(Exchange RBAC for Applications\)\. Nothing was booked\./],
    // Retry-After 0 keeps the test quick; without it the client backs off exponentially, inside the same time limit.
    ['503 three times says Graph is busy', [{ status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 }], /Microsoft Graph is busy \(503\) and still was after retrying, so I could not create the meeting\. Nothing was booked/],
    ['429 asking for a minute is reported, not waited for', [{ status: 429, retryAfter: 60 }], /Microsoft Graph is busy \(429\)/],
  ];
  for (const [what, answers, sentence] of failures) {
    it(`puts a Graph failure on the card as a sentence: ${what}; nothing half-booked`, async () => {
      const found = await act('meeting.find', { ...target, ...ENTRIES });
      const slot = text(found).match(/"value":"(2026-[^"]+Z)"/)![1]!;
      graph.calendar.failNext.push(...answers);
      const refused = await act('meeting.book', { ...target, ...ENTRIES, slot });
      assert.match(refusalsShown(refused.body.value).join(' '), sentence);
      assert.equal(await count('select count(*)::int as n from strategy_meetings'), 0);
      assert.equal(graph.calendar.events.length, 0);
    });
  }

  it('says plainly when Graph does not know the organiser mailbox', async () => {
    const mailbox = graph.calendar.mailbox;
    graph.calendar.mailbox = 'someone.else@council.example';
    try {
      const refused = await act('meeting.find', { ...target, ...ENTRIES });
      assert.deepEqual(refusalsShown(refused.body.value), ['Microsoft Graph does not know the organiser mailbox missing.meetings@council.example: check GRAPH_ORGANISER. Nothing was booked.']);
    } finally {
      graph.calendar.mailbox = mailbox;
    }
  });

  it('moves and cancels the meeting, and the copies follow', async () => {
    await book();
    const details = text(await act('child.details', target));
    assert.match(details, /"title":"Move meeting"/);
    const meetingId = details.match(/"meetingId":"([0-9a-f-]{36})"/)![1]!;
    const later = { ...ENTRIES, fromDate: '2026-06-10' };
    const found = await act('meeting.find', { ...target, ...later, meetingId });
    const slot = text(found).match(/"value":"(2026-06-10T[^"]+Z)"/)![1]!;
    const moved = await act('meeting.book', { ...target, ...later, slot, meetingId });
    assert.match(text(moved), /✓ Moved: Strategy meeting is now Wed 10 Jun 09:00–10:00\./);
    const patch = graph.calls.find((call) => call.method === 'PATCH')!;
    assert.deepEqual(patch.body, { start: { dateTime: '2026-06-10T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-10T09:00:00', timeZone: 'UTC' } });
    const noReason = await act('meeting.cancel', { ...target, meetingId, comment: ' ' });
    assert.deepEqual(refusalsShown(noReason.body.value), ['Say why it is cancelled (up to 500 characters).']);
    const cancelled = await act('meeting.cancel', { ...target, meetingId, comment: 'The child is now placed out of area; the new authority will convene.' });
    assert.match(text(cancelled), /✓ Cancelled: Strategy meeting of 09:00 Wed 10 Jun\. Everyone invited is told, with your reason\./);
    assert.equal(graph.calendar.events[0]!.cancelled, true);
    await app.refresher.idle();
    assert.match(latestCopy(), /Strategy meeting due: graded high risk, CCE concern/, 'a cancelled meeting answers nothing: it is due again');
    assert.deepEqual(graph.problems, []);
  });

  it('lists the coming meetings for chairs and the missing team in personal chat', async () => {
    await book();
    await postActivity(app.url, teamsMessage(connector.url, 'meetings', { from: COORDINATOR }));
    const reply = connector.calls.filter((call) => call.method === 'POST').at(-1)!.body.text as string;
    assert.match(reply, /\*\*Meetings booked\*\* \(1\)\n- Tue 9 Jun 09:00 · Strategy meeting · TEST-0001 · 2 invited · \[Join\]/);
    await postActivity(app.url, teamsMessage(connector.url, 'meetings', { from: POLICE_OFFICER }));
    assert.match(connector.calls.filter((call) => call.method === 'POST').at(-1)!.body.text, /^Only the missing team or chairs can see the meetings booked\./);
  });
});

describe('strategy meetings without a calendar (the embedded demo, the Playground)', function () {
  this.timeout(60_000);
  let connector: ConnectorStub;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const act = (verb: string, data: unknown) => postActivity(app.url, executeAction(connector.url, verb, data, { from: CHAIR, channel: POLICE }));

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ CHAIR_USER_IDS: CHAIR.aadObjectId, MEETING_CONTACTS: 'police=mispers@force.example' }, () => NOW);
    await app.db.transaction((tx) => reportMissing(tx, report({ riskGrade: 'high', policeRef: 'POL-MTG2', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await app.poster.runOnce();
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });

  it('records the meeting, says no invitation was sent, and offers the invitation at a signed link that expires', async () => {
    const entries = { meetingKind: 'strategy', attendees: 'mispers@force.example', duration: '60', fromDate: DATE };
    const found = await act('meeting.find', { ...target, ...entries });
    assert.match(JSON.stringify(found.body.value), /No calendar is connected here, so the times offered are not checked|These times are not checked against anyone’s calendar\./);
    const slot = JSON.stringify(found.body.value).match(/"value":"(2026-[^"]+Z)"/)![1]!;
    const booked = JSON.stringify((await act('meeting.book', { ...target, ...entries, slot })).body.value);
    assert.match(booked, /No calendar is connected, so no invitation was sent: download the invitation below and send it\./);
    const link = booked.match(/"url":"(http:\/\/127\.0\.0\.1:\d+\/meetings\/[^"]+)"/)![1]!.replace(/\\u0026/g, '&');
    const invite = await fetch(link);
    assert.equal(invite.status, 200);
    assert.match(invite.headers.get('content-type') ?? '', /^text\/calendar/);
    const ics = await invite.text();
    assert.match(ics, /SUMMARY:Strategy meeting: TEST-0001/);
    assert.match(ics, /DTSTART:20260609T080000Z/);
    assert.match(ics, /CLASS:PRIVATE/);
    assert.ok(!/Testy|Example/.test(ics), 'no child’s name in the file');
    const tampered = await fetch(link.replace(/sig=[^&]+/, 'sig=forged'));
    assert.equal(tampered.status, 404);
    assert.match((await tampered.json()).error, /not valid, has expired \(links last 24 hours\)/);
    const expired = await fetch(link.replace(/expires=\d+/, 'expires=1000'));
    assert.equal(expired.status, 404);
  });
});
