import assert from 'node:assert/strict';
import { formatLocal } from '../../src/domain/calendar';
import { hoursOverdue, rhiDueAt, rhiState } from '../../src/domain/rhi';
import { aChild, anEpisode, anRhi, at } from '../support/fixtures';

describe('RHI due time and state', () => {
  const child = aChild();
  const returned = anEpisode(child, { reportedAt: at('2026-05-01T08:00:00Z'), returnedAt: at('2026-05-04T09:00:00Z') });

  it('is due 72 elapsed hours after the return', () => {
    assert.equal(rhiDueAt(at('2026-05-04T09:00:00Z'), 72).toISOString(), '2026-05-07T09:00:00.000Z');
  });

  it('counts real hours across the spring clock change: due at 11:00 BST for a 10:00 GMT return', () => {
    // Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    const due = rhiDueAt(at('2026-03-28T10:00:00Z'), 72);
    assert.equal(due.toISOString(), '2026-03-31T10:00:00.000Z');
    assert.equal(formatLocal(at('2026-03-28T10:00:00Z'), 'Europe/London', 'HH:mm'), '10:00');
    assert.equal(formatLocal(due, 'Europe/London', 'HH:mm EEE d MMM'), '11:00 Tue 31 Mar');
  });

  it('counts real hours across the autumn clock change: due at 09:00 GMT for a 10:00 BST return', () => {
    // Clocks go back at 01:00 GMT on Sunday 25 October 2026.
    const due = rhiDueAt(at('2026-10-24T09:00:00Z'), 72);
    assert.equal(formatLocal(at('2026-10-24T09:00:00Z'), 'Europe/London', 'HH:mm'), '10:00');
    assert.equal(formatLocal(due, 'Europe/London', 'HH:mm EEE d MMM'), '09:00 Tue 27 Oct');
  });

  it('is overdue exactly at the due instant, not a millisecond before', () => {
    const due = rhiDueAt(returned.returnedAt!, 72);
    assert.equal(rhiState(returned, undefined, new Date(due.getTime() - 1), 72), 'due_soon');
    assert.equal(rhiState(returned, undefined, due, 72), 'overdue');
  });

  it('is due soon inside the last 24 hours and pending before', () => {
    const due = rhiDueAt(returned.returnedAt!, 72).getTime();
    assert.equal(rhiState(returned, undefined, new Date(due - 24 * 3_600_000), 72), 'due_soon');
    assert.equal(rhiState(returned, undefined, new Date(due - 24 * 3_600_000 - 1), 72), 'pending');
  });

  it('is not due while the episode is still open', () => {
    assert.equal(rhiState(anEpisode(child), undefined, at('2030-01-01T00:00:00Z'), 72), 'not_due');
  });

  it('stops being overdue when completed, or when declined after an offer', () => {
    const late = at('2026-05-20T00:00:00Z');
    assert.equal(rhiState(returned, anRhi([returned], { completedAt: at('2026-05-06T10:00:00Z'), outcome: 'accepted' }), late, 72), 'completed');
    assert.equal(rhiState(returned, anRhi([returned], { outcome: 'declined', offeredAt: at('2026-05-04T12:00:00Z') }), late, 72), 'declined');
  });

  it('stays overdue when only offered, when there was no contact, or when "declined" was never offered', () => {
    const late = at('2026-05-20T00:00:00Z');
    assert.equal(rhiState(returned, anRhi([returned], { offeredAt: at('2026-05-04T12:00:00Z') }), late, 72), 'overdue');
    assert.equal(rhiState(returned, anRhi([returned], { outcome: 'no_contact', offeredAt: at('2026-05-04T12:00:00Z') }), late, 72), 'overdue');
    assert.equal(rhiState(returned, anRhi([returned], { outcome: 'declined' }), late, 72), 'overdue');
  });

  it('counts whole hours overdue', () => {
    assert.equal(hoursOverdue(returned.returnedAt!, at('2026-05-07T08:59:59Z'), 72), 0);
    assert.equal(hoursOverdue(returned.returnedAt!, at('2026-05-07T11:30:00Z'), 72), 2);
  });
});
