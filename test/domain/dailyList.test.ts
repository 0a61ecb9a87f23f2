import assert from 'node:assert/strict';
import { subHours } from 'date-fns';
import { previousHuddleAt, previousWorkingDay } from '../../src/domain/calendar';
import { buildDailyList, initialsOf, listInstant } from '../../src/domain/dailyList';
import { aChild, anEpisode, anRhi, at, SETTINGS } from '../support/fixtures';

// Tuesday 9 June 2026, 07:00 BST.
const NOW = at('2026-06-09T06:00:00Z');
const hoursAgo = (hours: number) => subHours(NOW, hours);

describe('the daily list', () => {
  const high = aChild({ givenName: 'Ada', familyName: 'Sample', dateOfBirth: '2011-06-10' });
  const mediumLong = aChild({ givenName: 'Ben', familyName: 'Example' });
  const mediumShort = aChild({ givenName: null, familyName: null });
  const ola = aChild({ lookedAfter: true, placingAuthority: 'Example County Council' });
  const returnedRecently = aChild();
  const overdue = aChild();
  const completed = aChild();
  const episodes = [
    anEpisode(high, { reportedAt: hoursAgo(2), riskGrade: 'high', exploitationConcerns: ['cce'] }),
    anEpisode(mediumLong, { reportedAt: hoursAgo(40), riskGrade: 'medium' }),
    anEpisode(mediumShort, { reportedAt: hoursAgo(5), riskGrade: 'medium' }),
    anEpisode(returnedRecently, { reportedAt: hoursAgo(20), returnedAt: hoursAgo(10), safeAndWellCheck: 'done' }),
    anEpisode(ola, { kind: 'missing_from_care', reportedAt: hoursAgo(100), returnedAt: hoursAgo(90) }),
    anEpisode(overdue, { reportedAt: hoursAgo(100), returnedAt: hoursAgo(75) }),
    anEpisode(completed, { reportedAt: hoursAgo(100), returnedAt: hoursAgo(80) }),
  ];
  const input = {
    children: [high, mediumLong, mediumShort, ola, returnedRecently, overdue, completed],
    episodes,
    returnInterviews: [anRhi([episodes[6]!], { completedAt: hoursAgo(20), outcome: 'accepted' }), anRhi([episodes[5]!], { offeredAt: hoursAgo(70) })],
  };
  const list = buildDailyList(input, '2026-06-09', NOW, SETTINGS);

  it('puts high risk first, then the longest missing', () => {
    assert.deepEqual(
      list.missingNow.map((entry) => entry.childId),
      [high.id, mediumLong.id, mediumShort.id],
    );
  });

  it('says who, how long and how risky for each missing child', () => {
    const first = list.missingNow[0]!;
    assert.equal(first.initials, 'AS');
    assert.equal(first.age, 14); // 15 tomorrow
    assert.equal(first.missingForHours, 2);
    assert.equal(first.riskGrade, 'high');
    assert.deepEqual(first.meetingReasons, ['high_risk', 'exploitation']);
    assert.equal(list.missingNow[2]!.initials, '?');
  });

  it('lists children returned since the last huddle with their RHI due time', () => {
    // The last huddle was Monday 08:30 BST = 07:30Z, 22.5 hours ago: only the 10-hours-ago return counts.
    assert.deepEqual(list.returned.map((entry) => entry.childId), [returnedRecently.id]);
    assert.equal(list.returned[0]!.rhiDueAt, new Date(hoursAgo(10).getTime() + 72 * 3_600_000).toISOString());
    assert.equal(list.returned[0]!.safeAndWellCheck, 'done');
  });

  it('lists overdue RHIs most overdue first, with the placing authority owning an OLA child’s', () => {
    assert.deepEqual(list.rhis.map((entry) => [entry.childId, entry.state, entry.hoursOverdue]), [
      [ola.id, 'overdue', 18],
      [overdue.id, 'overdue', 3],
    ]);
    assert.equal(list.rhis[0]!.owner, 'Example County Council');
    assert.equal(list.rhis[1]!.owner, `${SETTINGS.localAuthority} (not yet allocated)`, 'offered, but by nobody named');
    assert.ok(list.rhis[1]!.offeredAt, 'an offered but not completed RHI is still overdue');
  });

  it('counts what the header shows', () => {
    assert.deepEqual(list.counts, { missingNow: 3, returnedSinceLastHuddle: 1, rhisOverdue: 2, rhisDueSoon: 0 });
  });

  it('shows an episode as missing on a past day’s list if it returned after that list', () => {
    const child = aChild();
    const episode = anEpisode(child, { reportedAt: at('2026-06-08T00:00:00Z'), returnedAt: at('2026-06-08T18:00:00Z') });
    const records = { children: [child], episodes: [episode], returnInterviews: [] };
    const mondayList = buildDailyList(records, '2026-06-08', at('2026-06-08T07:30:00Z'), SETTINGS);
    assert.deepEqual(mondayList.missingNow.map((entry) => entry.missingForHours), [7]);
    assert.equal(mondayList.returned.length, 0);
    const tuesdayList = buildDailyList(records, '2026-06-09', NOW, SETTINGS);
    assert.deepEqual(tuesdayList.returned.map((entry) => entry.childId), [child.id]);
  });

  it('counts escalation episodes in the rolling window and names the stage', () => {
    const repeat = aChild();
    const five = [1, 10, 20, 30].map((days) => anEpisode(repeat, { reportedAt: hoursAgo(days * 24), returnedAt: hoursAgo(days * 24 - 5) }));
    const open = anEpisode(repeat, { reportedAt: hoursAgo(3) });
    const result = buildDailyList({ children: [repeat], episodes: [...five, open], returnInterviews: five.map((e) => anRhi([e], { completedAt: e.returnedAt })) }, '2026-06-09', NOW, SETTINGS);
    const entry = result.missingNow[0]!;
    assert.equal(entry.episodesInWindow, 5);
    assert.equal(entry.windowDays, 90);
    assert.equal(entry.escalationStage, 1);
    assert.equal(entry.escalationLabel, 'Stage 1 intervention meeting');
  });
});

describe('huddle calendar', () => {
  it('takes the previous working day, skipping weekends and bank holidays', () => {
    assert.equal(previousWorkingDay('2026-06-08', []), '2026-06-05'); // Monday → Friday
    assert.equal(previousWorkingDay('2026-05-26', ['2026-05-25']), '2026-05-22'); // after the spring bank holiday
  });

  it('places the last huddle at the post time in local time, across a clock change', () => {
    // Monday 30 March 2026 (BST): the previous huddle was Friday 27 March 08:30 GMT.
    assert.equal(previousHuddleAt('2026-03-30', SETTINGS).toISOString(), '2026-03-27T08:30:00.000Z');
    assert.equal(previousHuddleAt('2026-03-31', SETTINGS).toISOString(), '2026-03-30T07:30:00.000Z');
  });

  it('describes today as now, a past day at its post time, and has no list for a future day', () => {
    assert.equal(listInstant('2026-06-09', NOW, SETTINGS), NOW);
    assert.equal(listInstant('2026-06-01', NOW, SETTINGS)?.toISOString(), '2026-06-01T07:30:00.000Z');
    assert.equal(listInstant('2026-06-10', NOW, SETTINGS), null);
  });

  it('makes initials from whichever names are known', () => {
    assert.equal(initialsOf({ givenName: 'ada', familyName: null }), 'A');
    assert.equal(initialsOf({ givenName: ' ', familyName: '' }), '?');
  });
});

describe('what the huddle can still act on (RHI_CHASE_DAYS)', () => {
  const child = aChild({ dateOfBirth: '2000-03-01' });
  const DAY = 86_400_000;
  const listWith = (returnedAt: Date, rhis: ReturnType<typeof anRhi>[] = [], episode = anEpisode(child, { reportedAt: new Date(returnedAt.getTime() - 3_600_000), returnedAt })) =>
    buildDailyList({ children: [child], episodes: [episode], returnInterviews: rhis.map((rhi) => ({ ...rhi, episodeIds: [episode.id] })) }, '2026-06-09', NOW, SETTINGS);

  it('keeps an unanswered RHI on the list until 28 days after the return, and not at 28 days', () => {
    assert.equal(listWith(new Date(NOW.getTime() - 28 * DAY + 1)).rhis.length, 1);
    assert.equal(listWith(new Date(NOW.getTime() - 28 * DAY)).rhis.length, 0);
  });

  it('never shows history (an episode years ago with no RHI data) as overdue', () => {
    const list = listWith(at('2018-03-12T00:00:00Z'));
    assert.deepEqual([list.rhis.length, list.counts.rhisOverdue], [0, 0]);
  });

  it('takes an RHI answered late off the list', () => {
    const returnedAt = new Date(NOW.getTime() - 10 * DAY);
    const episode = anEpisode(child, { reportedAt: new Date(returnedAt.getTime() - 3_600_000), returnedAt });
    assert.equal(listWith(returnedAt, [], episode).rhis.length, 1);
    assert.equal(listWith(returnedAt, [anRhi([episode], { offeredAt: NOW, outcome: 'accepted', completedAt: NOW, provider: 'in_house' })], episode).rhis.length, 0);
  });

  it('shows a past episode’s child at their age then, and an open one at their age today', () => {
    const back = listWith(new Date(NOW.getTime() - 5 * DAY));
    assert.equal(back.rhis[0]!.age, 26, 'age at the report, 4 June 2026');
    const young = aChild({ dateOfBirth: '2010-06-05' });
    const returnedAt = at('2026-06-03T12:00:00Z');
    const past = buildDailyList({ children: [young], episodes: [anEpisode(young, { reportedAt: at('2026-06-03T10:00:00Z'), returnedAt })], returnInterviews: [] }, '2026-06-09', NOW, SETTINGS);
    assert.equal(past.rhis[0]!.age, 15, 'fifteen when reported, sixteen today');
    const open = buildDailyList({ children: [young], episodes: [anEpisode(young, { reportedAt: at('2026-06-03T10:00:00Z') })], returnInterviews: [] }, '2026-06-09', NOW, SETTINGS);
    assert.equal(open.missingNow[0]!.age, 16);
  });
});
