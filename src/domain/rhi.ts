import { addHours } from 'date-fns';
import type { Episode, ReturnInterview } from './types';

/** How close to its due time an RHI counts as "due soon". */
export const DUE_SOON_HOURS = 24;

export type RhiState =
  | 'not_due' // the child has not returned
  | 'pending' // returned, RHI neither done nor declined, more than a day left
  | 'due_soon' // inside the last 24 hours before it is due
  | 'overdue' // the due time has passed and it is neither completed nor declined
  | 'completed'
  | 'declined';

/**
 * The RHI is due a fixed number of elapsed hours after the return (72 by statute). Hours are real
 * hours on the UTC time line, so a return the day before the clocks change is due at a different
 * local clock time: 72 hours is what the guidance measures, not three calendar days.
 */
export function rhiDueAt(returnedAt: Date, dueHours: number): Date {
  return addHours(returnedAt, dueHours);
}

/** A declined RHI counts as answered only once it had been offered (the guidance: declined after offer). */
function isAnswered(rhi: ReturnInterview | undefined): 'completed' | 'declined' | null {
  if (!rhi) return null;
  if (rhi.completedAt) return 'completed';
  if (rhi.outcome === 'declined' && rhi.offeredAt) return 'declined';
  return null;
}

export function rhiState(episode: Pick<Episode, 'returnedAt'>, rhi: ReturnInterview | undefined, now: Date, dueHours: number): RhiState {
  if (!episode.returnedAt) return 'not_due';
  const answered = isAnswered(rhi);
  if (answered) return answered;
  const due = rhiDueAt(episode.returnedAt, dueHours);
  if (now.getTime() >= due.getTime()) return 'overdue';
  if (due.getTime() - now.getTime() <= DUE_SOON_HOURS * 3_600_000) return 'due_soon';
  return 'pending';
}

/** Whole hours past the due time (0 when not yet due). */
export function hoursOverdue(returnedAt: Date, now: Date, dueHours: number): number {
  const late = now.getTime() - rhiDueAt(returnedAt, dueHours).getTime();
  return late > 0 ? Math.floor(late / 3_600_000) : 0;
}

/** Was the RHI for this episode completed within the due time of its return? */
export function completedInTime(episode: Pick<Episode, 'returnedAt'>, rhi: ReturnInterview | undefined, dueHours: number): boolean {
  if (!episode.returnedAt || !rhi?.completedAt) return false;
  return rhi.completedAt.getTime() <= rhiDueAt(episode.returnedAt, dueHours).getTime();
}
