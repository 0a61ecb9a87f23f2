import assert from 'node:assert/strict';
import { actionStage, addWorkingHours, defaultActionDue, inWorkingHours, workingMsBetween } from '../../src/domain/actions';

const hours = { timeZone: 'Europe/London', postTime: '08:30', dayStart: '09:00', dayEnd: '17:00', bankHolidays: ['2026-08-31', '2026-12-25', '2026-12-28'] };
const at = (iso: string) => new Date(iso);
const H = 3_600_000;

describe('the huddle’s actions in working hours', () => {
  it('counts working time only inside the working day, on working days', () => {
    // Tue 9 June 2026, BST: 16:00 → Wed 10:00 is one hour each side of the night.
    assert.equal(workingMsBetween(at('2026-06-09T15:00:00Z'), at('2026-06-10T09:00:00Z'), hours), 2 * H);
    // Fri 16:00 → Mon 10:00: the weekend counts nothing.
    assert.equal(workingMsBetween(at('2026-06-12T15:00:00Z'), at('2026-06-15T09:00:00Z'), hours), 2 * H);
    // Fri 28 Aug → Tue 1 Sep: the bank holiday Monday counts nothing either.
    assert.equal(workingMsBetween(at('2026-08-28T15:00:00Z'), at('2026-09-01T09:00:00Z'), hours), 2 * H);
    assert.equal(workingMsBetween(at('2026-06-10T09:00:00Z'), at('2026-06-09T15:00:00Z'), hours), 0, 'backwards is nothing');
  });

  it('keeps the working day in local time across the clock change', () => {
    // Clocks go forward on Sun 29 March 2026: Friday 16:00 GMT is 16:00Z, Monday 10:00 BST is 09:00Z.
    assert.equal(workingMsBetween(at('2026-03-27T16:00:00Z'), at('2026-03-30T09:00:00Z'), hours), 2 * H);
    assert.deepEqual(addWorkingHours(at('2026-03-27T16:00:00Z'), 4, hours), at('2026-03-30T11:00:00Z'), '12:00 BST on Monday');
    // And back on Sun 25 October: Friday 16:00 BST (15:00Z) + 4 working hours is Monday 12:00 GMT (12:00Z).
    assert.deepEqual(addWorkingHours(at('2026-10-23T15:00:00Z'), 4, hours), at('2026-10-26T12:00:00Z'));
  });

  it('sends nothing outside working hours, at weekends or on bank holidays', () => {
    assert.equal(inWorkingHours(at('2026-06-09T07:59:00Z'), hours), false, '08:59 BST');
    assert.equal(inWorkingHours(at('2026-06-09T08:00:00Z'), hours), true, '09:00 BST');
    assert.equal(inWorkingHours(at('2026-06-09T15:59:00Z'), hours), true, '16:59 BST');
    assert.equal(inWorkingHours(at('2026-06-09T16:00:00Z'), hours), false, '17:00 BST');
    assert.equal(inWorkingHours(at('2026-12-01T16:30:00Z'), hours), true, '16:30 GMT');
    assert.equal(inWorkingHours(at('2026-06-13T10:00:00Z'), hours), false, 'Saturday');
    assert.equal(inWorkingHours(at('2026-08-31T10:00:00Z'), hours), false, 'the August bank holiday');
  });

  it('is due by the next huddle by default: the next working day at the post time', () => {
    assert.deepEqual(defaultActionDue(at('2026-06-09T08:00:00Z'), hours), at('2026-06-10T07:30:00Z'), 'Tue → Wed 08:30 BST');
    assert.deepEqual(defaultActionDue(at('2026-06-12T08:00:00Z'), hours), at('2026-06-15T07:30:00Z'), 'Fri → Mon');
    assert.deepEqual(defaultActionDue(at('2026-08-28T08:00:00Z'), hours), at('2026-09-01T07:30:00Z'), 'Fri before the bank holiday → Tue');
    assert.deepEqual(defaultActionDue(at('2026-10-23T08:00:00Z'), hours), at('2026-10-26T08:30:00Z'), 'Fri in BST → Mon 08:30 GMT');
  });

  it('is due soon two working hours before it is due, overdue from then, and raised after the escalation hours of working time', () => {
    const due = at('2026-06-09T13:00:00Z'); // Tue 14:00 BST
    assert.equal(actionStage(due, at('2026-06-09T10:59:00Z'), hours, 4), null, '11:59: more than two working hours ahead');
    assert.equal(actionStage(due, at('2026-06-09T11:00:00Z'), hours, 4), 'due_soon', '12:00: exactly two');
    assert.equal(actionStage(due, at('2026-06-09T13:00:00Z'), hours, 4), 'overdue', 'at the due time');
    assert.equal(actionStage(due, at('2026-06-09T15:59:00Z'), hours, 4), 'overdue', '16:59: under three working hours late');
    // 14:00 → 17:00 is three working hours; the fourth is Wednesday 09:00–10:00.
    assert.equal(actionStage(due, at('2026-06-09T20:00:00Z'), hours, 4), 'overdue', 'the night does not count');
    assert.equal(actionStage(due, at('2026-06-10T08:59:00Z'), hours, 4), 'overdue');
    assert.equal(actionStage(due, at('2026-06-10T09:00:00Z'), hours, 4), 'escalated', 'Wed 10:00 BST');
  });

  it('is due soon the evening before an action due at the morning huddle', () => {
    const due = at('2026-06-10T07:30:00Z'); // Wed 08:30 BST, before the working day starts
    assert.equal(actionStage(due, at('2026-06-09T13:59:00Z'), hours, 4), null, 'Tue 14:59: more than two working hours left');
    assert.equal(actionStage(due, at('2026-06-09T14:00:00Z'), hours, 4), 'due_soon', 'Tue 15:00: the last two working hours before it');
    // Due before the day starts: the four working hours late begin at 09:00.
    assert.equal(actionStage(due, at('2026-06-10T11:59:00Z'), hours, 4), 'overdue');
    assert.equal(actionStage(due, at('2026-06-10T12:00:00Z'), hours, 4), 'escalated', 'Wed 13:00 BST');
  });
});
