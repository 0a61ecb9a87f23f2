import { atLocalTime, isWorkingDay, localDate, shiftDate } from './calendar';
import type { Escalation } from './escalation';
import { EXPLOITATION_LABELS, type Episode } from './types';

/**
 * Strategy and intervention meetings: when one is due for a child and why, and the times the people
 * invited are free. Pure: the caller loads the records and the free/busy answers.
 */

export const MEETING_KINDS = ['strategy_discussion', 'strategy', 'stage_1', 'stage_2'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];

export const MEETING_KIND_LABELS: Record<MeetingKind, string> = {
  strategy_discussion: 'Strategy discussion',
  strategy: 'Strategy meeting',
  stage_1: 'Stage 1 intervention meeting',
  stage_2: 'Stage 2 intervention meeting',
};

/** Why a meeting is due: which trigger (one meeting answers it), the meeting it calls for, and the words for the card. */
export interface MeetingTrigger {
  /** `stage-N` for an escalation rule met, `episode-<id>` for a high risk grade or an exploitation concern on that episode. */
  key: string;
  kind: MeetingKind;
  reason: string;
}

export interface BookedMeeting {
  trigger: string;
  status: 'booked' | 'cancelled';
  /** Every trigger due when it was booked: one meeting answers them all (a stage 1 meeting covers the high risk too). */
  answers: string[];
}

const ordinal = (value: number) => {
  const tens = value % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[value % 10] ?? 'th';
  return `${value}${suffix}`;
};

/** The kind of meeting an escalation rule calls for, by its stage and the words the council gave it. */
function kindOfRule(rule: NonNullable<Escalation['rule']>): MeetingKind {
  if (/strategy/i.test(rule.label)) return 'strategy';
  return rule.stage >= 2 ? 'stage_2' : 'stage_1';
}

/**
 * The meeting due for a child now, or null: an escalation rule met, else a high risk grade or an
 * exploitation concern on the latest episode. A meeting booked (or held) for a trigger answers it; a
 * cancelled one does not; a new trigger (stage 2 after stage 1) is due again.
 */
export function meetingDue(escalation: Escalation, latest: Pick<Episode, 'id' | 'riskGrade' | 'exploitationConcerns'> | undefined, meetings: BookedMeeting[]): MeetingTrigger | null {
  return meetingsDue(escalation, latest, meetings)[0] ?? null;
}

/** Every trigger not yet answered by a booked meeting, the one to name first. */
export function meetingsDue(escalation: Escalation, latest: Pick<Episode, 'id' | 'riskGrade' | 'exploitationConcerns'> | undefined, meetings: BookedMeeting[]): MeetingTrigger[] {
  const answered = new Set(meetings.filter((meeting) => meeting.status === 'booked').flatMap((meeting) => [meeting.trigger, ...meeting.answers]));
  const candidates: MeetingTrigger[] = [];
  if (escalation.rule) {
    candidates.push({
      key: `stage-${escalation.rule.stage}`,
      kind: kindOfRule(escalation.rule),
      reason: `${ordinal(escalation.episodesInWindow)} episode in ${escalation.windowDays} days`,
    });
  }
  if (latest && (latest.riskGrade === 'high' || latest.exploitationConcerns.length > 0)) {
    const why = [latest.riskGrade === 'high' ? 'graded high risk' : null, ...latest.exploitationConcerns.map((concern) => `${EXPLOITATION_LABELS[concern]} concern`)].filter(Boolean);
    candidates.push({ key: `episode-${latest.id}`, kind: 'strategy', reason: why.join(', ') });
  }
  return candidates.filter((candidate) => !answered.has(candidate.key));
}

/** The next booked meeting that has not ended at `at`: what every copy of the card shows. */
export function nextBooked<T extends BookedMeeting & { startsAt: Date; endsAt: Date }>(meetings: T[], at: Date): T | undefined {
  return meetings.filter((meeting) => meeting.status === 'booked' && meeting.endsAt.getTime() >= at.getTime()).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())[0];
}

/** How a due meeting reads on the card: "Stage 1 intervention meeting due: 5th episode in 90 days". */
export const meetingDueText = (trigger: MeetingTrigger) => `${MEETING_KIND_LABELS[trigger.kind]} due: ${trigger.reason}`;

export interface SlotWindow {
  /** Slots start at or after this instant (rounded up to the step). */
  from: Date;
  /** Working days in the window, from `from`'s day on (a day whose working hours are over does not count). */
  workingDays: number;
  /** Local working hours, HH:MM. */
  dayStart: string;
  dayEnd: string;
  durationMinutes: number;
  timeZone: string;
  bankHolidays: string[];
  stepMinutes?: number;
  maxSlots?: number;
}

export interface Availability {
  attendee: string;
  /** Busy intervals; null when Graph could not see this person's calendar (another tenant). */
  busy: { start: Date; end: Date }[] | null;
}

export interface SlotAnswer {
  slots: { start: Date; end: Date }[];
  /** Attendees whose availability is unknown: the slots do not account for them. */
  unknown: string[];
  /** The last local day the window covered. */
  lastDay: string;
}

/**
 * Up to `maxSlots` (5) times inside working hours on working days (weekends and bank holidays
 * skipped, local time, so a DST change moves nothing) when every attendee whose calendar can be seen
 * is free for the whole meeting.
 */
export function freeSlots(window: SlotWindow, availability: Availability[]): SlotAnswer {
  const step = (window.stepMinutes ?? 30) * 60_000;
  const length = window.durationMinutes * 60_000;
  const max = window.maxSlots ?? 5;
  const busy = availability.flatMap((person) => person.busy ?? []);
  const unknown = availability.filter((person) => person.busy === null).map((person) => person.attendee);
  const slots: SlotAnswer['slots'] = [];
  const earliest = Math.ceil(window.from.getTime() / step) * step;
  let day = localDate(window.from, window.timeZone);
  let lastDay = day;
  for (let counted = 0, guard = 0; counted < window.workingDays && guard < 60 && slots.length < max; guard++, day = shiftDate(day, 1)) {
    if (!isWorkingDay(day, window.bankHolidays)) continue;
    const opens = atLocalTime(day, window.dayStart, window.timeZone).getTime();
    const closes = atLocalTime(day, window.dayEnd, window.timeZone).getTime();
    if (closes <= earliest) continue; // today's working hours are over: it does not count
    counted++;
    lastDay = day;
    for (let start = Math.max(opens, earliest); start + length <= closes && slots.length < max; start += step) {
      const end = start + length;
      if (busy.some((interval) => interval.start.getTime() < end && start < interval.end.getTime())) continue;
      slots.push({ start: new Date(start), end: new Date(end) });
    }
  }
  return { slots, unknown, lastDay };
}
