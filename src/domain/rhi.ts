import { addHours } from 'date-fns/addHours';
import type { Episode, ReturnInterview, RhiOutcome, RhiProvider } from './types';

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

/** A time recorded as happening up to this far ahead of the server's clock is a clock difference, not the future. */
export const FUTURE_SLACK_MS = 5 * 60_000;
export const isInFuture = (time: Date, now: Date) => time.getTime() > now.getTime() + FUTURE_SLACK_MS;

/** What the people running an RHI record, one step at a time. */
export const RHI_STEPS = ['offered', 'accepted', 'declined', 'no_contact', 'completed'] as const;
export type RhiStep = (typeof RHI_STEPS)[number];

export const RHI_STEP_LABELS: Record<RhiStep, string> = {
  offered: 'Offered',
  accepted: 'Accepted',
  declined: 'Declined',
  no_contact: 'No contact (tried, not reached)',
  completed: 'Completed (the child was seen)',
};

/** A step in a sentence, without the label's explanation: "no contact". */
export const rhiStepWord = (step: RhiStep) => RHI_STEP_LABELS[step].split(' (')[0]!.toLowerCase();

export const RHI_OUTCOME_LABELS: Record<RhiOutcome, string> = { accepted: 'accepted', declined: 'declined', no_contact: 'no contact' };

export const RHI_PROVIDER_LABELS: Record<RhiProvider, string> = {
  in_house: 'In-house independent worker',
  commissioned: 'Commissioned provider',
  spot_purchased: 'Spot-purchased provider',
  social_worker: 'Social worker',
};

type RhiRecord = Pick<ReturnInterview, 'offeredAt' | 'outcome' | 'completedAt' | 'provider'>;

/**
 * The steps that may be recorded next. The offer comes first (an interview is offered before it is
 * accepted, declined or done); after no contact the worker tries again, so every answer stays open;
 * a declined interview can still be accepted or done if the child changes their mind; a completed
 * one is finished (a correction goes through the case system).
 */
export function nextRhiSteps(rhi: RhiRecord | undefined): RhiStep[] {
  if (!rhi?.offeredAt) return ['offered'];
  if (rhi.completedAt) return [];
  switch (rhi.outcome) {
    case null:
      return ['accepted', 'declined', 'no_contact', 'completed'];
    case 'accepted':
      return ['completed', 'no_contact', 'declined'];
    case 'no_contact':
      return ['offered', 'accepted', 'declined', 'completed'];
    case 'declined':
      return ['accepted', 'completed'];
  }
}

/** What recording a step changes, and nothing it does not know: no offer is invented for a completion. */
export interface RhiStepChanges {
  offeredAt?: Date;
  offeredBy?: string;
  outcome?: RhiOutcome;
  completedAt?: Date;
  completedBy?: string;
  provider?: RhiProvider;
}

export function rhiStepChanges(step: RhiStep, at: Date, by: string | undefined, provider: RhiProvider | undefined): RhiStepChanges {
  switch (step) {
    case 'offered':
      return { offeredAt: at, ...(by ? { offeredBy: by } : {}) };
    case 'completed':
      return { completedAt: at, ...(by ? { completedBy: by } : {}), ...(provider ? { provider } : {}) };
    default:
      return { outcome: step };
  }
}

/**
 * The outcome after a completion: seen after no contact or a refusal means the child accepted in the
 * end (the earlier steps stay in the audit log).
 */
export function outcomeOnCompletion(before: RhiOutcome | null): RhiOutcome {
  return before === 'declined' || before === 'no_contact' || before === null ? 'accepted' : before;
}

export interface RhiProblem {
  path: 'offeredAt' | 'completedAt' | 'outcome' | 'provider';
  message: string;
}

/**
 * What is wrong with an RHI as it would be recorded, in sentences a worker can act on. `returns` are
 * the return times of the episodes it covers; `now` the server's clock.
 */
export function rhiProblems(rhi: RhiRecord, returns: Date[], now: Date): RhiProblem[] {
  const problems: RhiProblem[] = [];
  const firstBack = Math.min(...returns.map((time) => time.getTime()));
  const lastBack = Math.max(...returns.map((time) => time.getTime()));
  if (rhi.offeredAt && isInFuture(rhi.offeredAt, now)) problems.push({ path: 'offeredAt', message: 'The offer time is in the future.' });
  else if (rhi.offeredAt && rhi.offeredAt.getTime() < firstBack) problems.push({ path: 'offeredAt', message: 'The offer time is before the child came back.' });
  if (rhi.completedAt && isInFuture(rhi.completedAt, now)) problems.push({ path: 'completedAt', message: 'The interview time is in the future.' });
  else if (rhi.completedAt && rhi.completedAt.getTime() < lastBack) problems.push({ path: 'completedAt', message: 'The interview time is before the child came back.' });
  else if (rhi.completedAt && rhi.offeredAt && rhi.completedAt.getTime() < rhi.offeredAt.getTime()) {
    problems.push({ path: 'completedAt', message: 'The interview time is before the interview was offered.' });
  }
  if ((rhi.outcome || rhi.completedAt) && !rhi.offeredAt) {
    problems.push({ path: 'offeredAt', message: 'Record when the interview was offered first: it is offered before it is accepted, declined or done.' });
  }
  if (rhi.completedAt && (rhi.outcome === 'declined' || rhi.outcome === 'no_contact')) {
    problems.push({ path: 'outcome', message: `An interview recorded as ${RHI_OUTCOME_LABELS[rhi.outcome]} cannot also be completed.` });
  }
  if (rhi.completedAt && !rhi.provider) problems.push({ path: 'provider', message: 'Say who carried out the interview (the provider).' });
  return problems;
}
