import assert from 'node:assert/strict';
import { highRiskListDue, monthlyFiguresDue, previousMonth } from '../../src/domain/oversight';

const calendar = { timeZone: 'Europe/London', postTime: '08:30', bankHolidays: ['2026-06-01', '2026-08-31', '2026-12-25', '2026-12-28', '2027-01-01'] };
const at = (iso: string) => new Date(iso);

describe('when the oversight posts are due', () => {
  it('posts last month’s figures from the post time of the month’s first working day', () => {
    assert.equal(monthlyFiguresDue(at('2026-07-01T07:29:00Z'), calendar), null, '08:29 BST on Wed 1 July');
    assert.equal(monthlyFiguresDue(at('2026-07-01T07:30:00Z'), calendar), '2026-06');
    assert.equal(monthlyFiguresDue(at('2026-07-20T12:00:00Z'), calendar), '2026-06', 'still due later in the month (once per channel)');
  });

  it('waits past a weekend and a bank holiday that begin the month', () => {
    // 1 Aug 2026 is a Saturday: the figures go on Monday 3 August.
    assert.equal(monthlyFiguresDue(at('2026-08-02T12:00:00Z'), calendar), null);
    assert.equal(monthlyFiguresDue(at('2026-08-03T07:30:00Z'), calendar), '2026-07');
    // 1 Jan 2027 is a bank holiday (a Friday): Monday 4 January, in GMT.
    assert.equal(monthlyFiguresDue(at('2027-01-01T12:00:00Z'), calendar), null);
    assert.equal(monthlyFiguresDue(at('2027-01-04T08:29:00Z'), calendar), null, '08:29 GMT');
    assert.equal(monthlyFiguresDue(at('2027-01-04T08:30:00Z'), calendar), '2026-12', 'across the year end');
  });

  it('counts the first of the month in local time, not UTC', () => {
    // 00:30 BST on 1 October is 23:30 UTC on 30 September; 08:30 BST is 07:30 UTC.
    assert.equal(monthlyFiguresDue(at('2026-09-30T23:30:00Z'), calendar), null);
    assert.equal(monthlyFiguresDue(at('2026-10-01T07:30:00Z'), calendar), '2026-09');
  });

  it('posts the high-risk list on the list day at the post time, or the working day after a bank holiday', () => {
    assert.equal(highRiskListDue(at('2026-06-08T07:29:00Z'), calendar, 'monday'), null, 'before 08:30 on Monday 8 June');
    assert.equal(highRiskListDue(at('2026-06-08T07:30:00Z'), calendar, 'monday'), '2026-06-08');
    assert.equal(highRiskListDue(at('2026-06-12T16:00:00Z'), calendar, 'monday'), '2026-06-08', 'due all week');
    // Monday 1 June 2026 is a bank holiday here: that week's list goes on Tuesday 2 June.
    assert.equal(highRiskListDue(at('2026-06-01T10:00:00Z'), calendar, 'monday'), null);
    assert.equal(highRiskListDue(at('2026-06-02T07:30:00Z'), calendar, 'monday'), '2026-06-01');
    assert.equal(highRiskListDue(at('2026-06-03T10:00:00Z'), calendar, 'wednesday'), '2026-06-03', 'another list day');
  });

  it('keeps the post time across the clocks going back', () => {
    // Sunday 25 October 2026 the clocks go back: Monday 26 October 08:30 is GMT.
    assert.equal(highRiskListDue(at('2026-10-26T07:30:00Z'), calendar, 'monday'), null, '07:30 GMT is before 08:30');
    assert.equal(highRiskListDue(at('2026-10-26T08:30:00Z'), calendar, 'monday'), '2026-10-26');
  });

  it('names the month before, across a year end', () => {
    assert.deepEqual([previousMonth('2027-01'), previousMonth('2026-10')], ['2026-12', '2026-09']);
  });
});
