import { subDays } from 'date-fns/subDays';
import { z } from 'zod';
import type { Episode } from './types';

/**
 * Repeat-missing thresholds differ between areas, so they are configuration. A rule is met when at
 * least `episodes` episodes started within the last `windowDays` days (a rolling window ending now).
 */
export const escalationRulesSchema = z
  .array(
    z.object({
      stage: z.number().int().min(1),
      label: z.string().min(1),
      episodes: z.number().int().min(1),
      windowDays: z.number().int().min(1).max(3660),
    }),
  )
  .min(1);

export type EscalationRule = z.infer<typeof escalationRulesSchema>[number];

/** Cumbria's protocol: stage 1 intervention meeting at 5 episodes, stage 2 at 9, in a rolling 90 days. */
export const CUMBRIA_RULES: EscalationRule[] = [
  { stage: 1, label: 'Stage 1 intervention meeting', episodes: 5, windowDays: 90 },
  { stage: 2, label: 'Stage 2 intervention meeting', episodes: 9, windowDays: 90 },
];

/** A common alternative: a strategy meeting at 3 episodes in 30 days. */
export const THREE_IN_THIRTY_RULES: EscalationRule[] = [{ stage: 1, label: 'Strategy meeting', episodes: 3, windowDays: 30 }];

export const ESCALATION_PRESETS: Record<string, EscalationRule[]> = {
  cumbria: CUMBRIA_RULES,
  'strategy-3-in-30': THREE_IN_THIRTY_RULES,
};

export const DEFAULT_ESCALATION_RULES = CUMBRIA_RULES;

export interface Escalation {
  /** The highest rule met, or null. */
  rule: EscalationRule | null;
  /** Episodes counted in the widest window any rule uses (what the card shows). */
  episodesInWindow: number;
  windowDays: number;
}

function countSince(reportedAts: Date[], now: Date, windowDays: number): number {
  const from = subDays(now, windowDays).getTime();
  return reportedAts.filter((at) => at.getTime() > from && at.getTime() <= now.getTime()).length;
}

export function escalationFor(episodes: Pick<Episode, 'reportedAt'>[], now: Date, rules: EscalationRule[]): Escalation {
  const reportedAts = episodes.map((episode) => episode.reportedAt);
  const met = rules
    .filter((rule) => countSince(reportedAts, now, rule.windowDays) >= rule.episodes)
    .sort((a, b) => b.stage - a.stage || b.episodes - a.episodes);
  const windowDays = Math.max(...rules.map((rule) => rule.windowDays));
  return { rule: met[0] ?? null, episodesInWindow: countSince(reportedAts, now, windowDays), windowDays };
}

export type MeetingReason = 'repeat_missing' | 'high_risk' | 'exploitation';

/**
 * Why a strategy meeting should be considered now: a threshold crossed, a high risk grade, or an
 * exploitation concern on an open or recent episode.
 */
export function meetingReasons(escalation: Escalation, latest: Pick<Episode, 'riskGrade' | 'exploitationConcerns'> | undefined): MeetingReason[] {
  const reasons: MeetingReason[] = [];
  if (escalation.rule) reasons.push('repeat_missing');
  if (latest?.riskGrade === 'high') reasons.push('high_risk');
  if (latest && latest.exploitationConcerns.length > 0) reasons.push('exploitation');
  return reasons;
}
