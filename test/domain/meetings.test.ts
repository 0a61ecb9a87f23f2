import assert from 'node:assert/strict';
import { formatLocal } from '../../src/domain/calendar';
import { CUMBRIA_RULES, escalationFor } from '../../src/domain/escalation';
import { freeSlots, meetingDue, meetingDueText, type SlotWindow } from '../../src/domain/meetings';
import { aChild, anEpisode, at } from '../support/fixtures';

const TZ = 'Europe/London';
const local = (date: Date) => formatLocal(date, TZ, 'EEE d MMM HH:mm');

describe('when a meeting is due', () => {
  const child = aChild();
  const NOW = at('2026-06-09T08:00:00Z');
  const episodes = (count: number) => Array.from({ length: count }, (_, index) => anEpisode(child, { reportedAt: at(`2026-05-${String(index + 10)}T10:00:00Z`), returnedAt: at(`2026-05-${String(index + 10)}T12:00:00Z`), riskGrade: 'medium' }));

  it('is due at stage 1 on the 5th episode in 90 days, and says so', () => {
    const five = episodes(5);
    const due = meetingDue(escalationFor(five, NOW, CUMBRIA_RULES), five.at(-1), []);
    assert.deepEqual(due, { key: 'stage-1', kind: 'stage_1', reason: '5th episode in 90 days' });
    assert.equal(meetingDueText(due!), 'Stage 1 intervention meeting due: 5th episode in 90 days');
    assert.equal(meetingDue(escalationFor(episodes(4), NOW, CUMBRIA_RULES), episodes(4).at(-1), []), null, 'not at the 4th');
  });

  it('stops prompting once a meeting is booked for that trigger, not for a cancelled one', () => {
    const five = episodes(5);
    const escalation = escalationFor(five, NOW, CUMBRIA_RULES);
    assert.equal(meetingDue(escalation, five.at(-1), [{ trigger: 'stage-1', status: 'booked', answers: [] }]), null);
    assert.equal(meetingDue(escalation, five.at(-1), [{ trigger: 'stage-1', status: 'cancelled', answers: [] }])?.key, 'stage-1');
  });

  it('is due again at stage 2 after a stage 1 meeting was held', () => {
    const nine = [...episodes(9)];
    const due = meetingDue(escalationFor(nine, NOW, CUMBRIA_RULES), nine.at(-1), [{ trigger: 'stage-1', status: 'booked', answers: [] }]);
    assert.deepEqual(due, { key: 'stage-2', kind: 'stage_2', reason: '9th episode in 90 days' });
  });

  it('counts one meeting as answering every trigger due when it was booked, and prompts again for a new one', () => {
    const five = episodes(5);
    const risky = { ...five.at(-1)!, riskGrade: 'high' as const };
    const escalation = escalationFor(five, NOW, CUMBRIA_RULES);
    const booked = [{ trigger: 'stage-1', status: 'booked' as const, answers: ['stage-1', `episode-${risky.id}`] }];
    assert.equal(meetingDue(escalation, risky, booked), null, 'the stage 1 meeting covers the high risk known when it was booked');
    const next = anEpisode(child, { reportedAt: at('2026-06-08T10:00:00Z'), riskGrade: 'high' });
    assert.equal(meetingDue(escalation, next, booked)?.key, `episode-${next.id}`, 'a new high-risk episode after it is due again');
  });

  it('is a strategy meeting for high risk or an exploitation concern, once per episode', () => {
    const [episode] = [anEpisode(child, { reportedAt: at('2026-06-08T10:00:00Z'), riskGrade: 'high', exploitationConcerns: ['cce', 'county_lines'] })];
    const due = meetingDue(escalationFor([episode!], NOW, CUMBRIA_RULES), episode, []);
    assert.equal(meetingDueText(due!), 'Strategy meeting due: graded high risk, CCE concern, County lines concern');
    assert.equal(meetingDue(escalationFor([episode!], NOW, CUMBRIA_RULES), episode, [{ trigger: `episode-${episode!.id}`, status: 'booked', answers: [] }]), null);
  });
});

describe('free slots for the people invited', () => {
  const window = (from: string, extra: Partial<SlotWindow> = {}): SlotWindow => ({
    from: at(from),
    workingDays: 3,
    dayStart: '09:00',
    dayEnd: '17:00',
    durationMinutes: 60,
    timeZone: TZ,
    bankHolidays: ['2026-05-25'],
    ...extra,
  });

  it('offers up to five slots in local working hours, skipping busy times', () => {
    const answer = freeSlots(window('2026-06-09T07:10:00Z'), [
      { attendee: 'police@example.test', busy: [{ start: at('2026-06-09T08:00:00Z'), end: at('2026-06-09T10:00:00Z') }] },
      { attendee: 'dsl@example.test', busy: [{ start: at('2026-06-09T10:30:00Z'), end: at('2026-06-09T11:00:00Z') }] },
    ]);
    assert.deepEqual(answer.slots.map((slot) => local(slot.start)), ['Tue 9 Jun 12:00', 'Tue 9 Jun 12:30', 'Tue 9 Jun 13:00', 'Tue 9 Jun 13:30', 'Tue 9 Jun 14:00']);
    assert.deepEqual(answer.unknown, []);
  });

  it('keeps to local working hours across the autumn clock change', () => {
    // Clocks go back at 02:00 BST on Sunday 25 October 2026: 09:00 is 08:00Z before, 09:00Z after.
    const friday = freeSlots(window('2026-10-23T07:00:00Z', { workingDays: 1, maxSlots: 1 }), []);
    const monday = freeSlots(window('2026-10-26T07:00:00Z', { workingDays: 1, maxSlots: 1 }), []);
    assert.deepEqual([friday.slots[0]!.start.toISOString(), monday.slots[0]!.start.toISOString()], ['2026-10-23T08:00:00.000Z', '2026-10-26T09:00:00.000Z']);
  });

  it('skips the weekend and a bank holiday', () => {
    // Friday 22 May after hours: the next working days are Tue 26 (Mon 25 is a bank holiday), Wed, Thu.
    const answer = freeSlots(window('2026-05-22T17:00:00Z', { maxSlots: 20, durationMinutes: 240, stepMinutes: 240 }), []);
    assert.deepEqual([...new Set(answer.slots.map((slot) => formatLocal(slot.start, TZ, 'EEE d')))], ['Tue 26', 'Wed 27', 'Thu 28']);
  });

  it('lists an attendee whose availability Graph cannot see, rather than dropping them', () => {
    const answer = freeSlots(window('2026-06-09T07:10:00Z', { maxSlots: 1 }), [{ attendee: 'other-org@elsewhere.test', busy: null }]);
    assert.deepEqual(answer.unknown, ['other-org@elsewhere.test']);
    assert.equal(answer.slots.length, 1);
  });

  it('finds no slot when everyone is busy, and says which day the window reached', () => {
    const answer = freeSlots(window('2026-06-09T07:10:00Z'), [{ attendee: 'police@example.test', busy: [{ start: at('2026-06-09T00:00:00Z'), end: at('2026-06-12T00:00:00Z') }] }]);
    assert.deepEqual([answer.slots, answer.lastDay], [[], '2026-06-11']);
  });
});
