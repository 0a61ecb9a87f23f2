import { atLocalTime, isWorkingDay, localDate, shiftDate, workingDayFrom, type HuddleCalendar } from './calendar';
import type { AgencyCode } from './types';

/**
 * The huddle's actions as rules: when an action is due by default, when it is due soon, overdue or
 * raised to the missing team, counted in working hours (the local working day on working days, bank
 * holidays skipped); and when reminders may be sent at all (in working hours only).
 */

/** Who can own an action: an agency that acts, or the missing team. Management reads; it owns nothing. */
export const ACTION_OWNERS = ['police', 'health', 'education', 'social-care', 'youth-justice', 'missing-team'] as const satisfies readonly AgencyCode[];
export type ActionOwner = (typeof ACTION_OWNERS)[number];

export const ACTION_STATUSES = ['open', 'done', 'not_possible'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** The huddle's working day: the hours reminders may be sent in and working hours are counted in. */
export interface WorkingHours extends HuddleCalendar {
  dayStart: string; // HH:MM
  dayEnd: string; // HH:MM
}

/** An action is "due soon" this many working hours before it is due. */
export const DUE_SOON_WORKING_HOURS = 2;
/** Working hours are counted over at most this many calendar days (an action is due within weeks, not years). */
const MAX_DAYS_COUNTED = 400;

/** Whether `now` is inside working hours on a working day: reminders wait for it (quiet hours). */
export function inWorkingHours(now: Date, hours: WorkingHours): boolean {
  const today = localDate(now, hours.timeZone);
  return isWorkingDay(today, hours.bankHolidays) && now >= atLocalTime(today, hours.dayStart, hours.timeZone) && now < atLocalTime(today, hours.dayEnd, hours.timeZone);
}

/** Working milliseconds from `from` to `to` (0 when `to` is not after `from`): each working day's hours that fall between them. */
export function workingMsBetween(from: Date, to: Date, hours: WorkingHours): number {
  if (to <= from) return 0;
  let total = 0;
  const last = localDate(to, hours.timeZone);
  let day = localDate(from, hours.timeZone);
  for (let counted = 0; day <= last && counted < MAX_DAYS_COUNTED; counted++, day = shiftDate(day, 1)) {
    if (!isWorkingDay(day, hours.bankHolidays)) continue;
    // Each day's own opening and closing instants: a day with a clock change is an hour shorter or longer only outside them.
    const start = Math.max(from.getTime(), atLocalTime(day, hours.dayStart, hours.timeZone).getTime());
    const end = Math.min(to.getTime(), atLocalTime(day, hours.dayEnd, hours.timeZone).getTime());
    if (end > start) total += end - start;
  }
  return total;
}

/** The instant `workingHours` of working time after `from` (a reminder's or escalation's moment). */
export function addWorkingHours(from: Date, workingHours: number, hours: WorkingHours): Date {
  let left = workingHours * 3_600_000;
  let day = localDate(from, hours.timeZone);
  for (let counted = 0; counted < MAX_DAYS_COUNTED; counted++, day = shiftDate(day, 1)) {
    if (!isWorkingDay(day, hours.bankHolidays)) continue;
    const start = Math.max(from.getTime(), atLocalTime(day, hours.dayStart, hours.timeZone).getTime());
    const end = atLocalTime(day, hours.dayEnd, hours.timeZone).getTime();
    if (end <= start) continue;
    if (end - start >= left) return new Date(start + left);
    left -= end - start;
  }
  throw new RangeError(`${workingHours} working hours do not fit in ${MAX_DAYS_COUNTED} days`);
}

/** By default an action is due by the next huddle: the next working day at the post time. */
export function defaultActionDue(now: Date, calendar: HuddleCalendar): Date {
  const next = workingDayFrom(shiftDate(localDate(now, calendar.timeZone), 1), calendar.bankHolidays);
  return atLocalTime(next, calendar.postTime, calendar.timeZone);
}

/** What a reminder is about: an action before or after its due time, or raised to the missing team. */
export type ActionStage = 'due_soon' | 'overdue' | 'escalated';

/**
 * The stage an open action has reached at `now`, or null while it is not yet due soon. Only the
 * latest stage counts: an action found already past escalation (the service was down) is raised,
 * not first reminded of what is long gone.
 */
export function actionStage(dueAt: Date, now: Date, hours: WorkingHours, escalateAfterHours: number): ActionStage | null {
  if (now >= dueAt) return workingMsBetween(dueAt, now, hours) >= escalateAfterHours * 3_600_000 ? 'escalated' : 'overdue';
  return workingMsBetween(now, dueAt, hours) <= DUE_SOON_WORKING_HOURS * 3_600_000 ? 'due_soon' : null;
}
