import { atLocalTime, isoWeekday, localDate, shiftDate, shiftMonth, workingDayFrom, type HuddleCalendar } from './calendar';

/**
 * When the oversight posts are due. Both go out at the daily post time, on a working day: the
 * monthly figures on the first working day of a month (for the month before), the high-risk list
 * on the week's list day (HIGH_RISK_LIST_DAY) or, when that is a bank holiday, the working day
 * after. Once due, a period stays due to the end of its month or week: an instance that was down
 * at the time, or a management channel linked later, still gets it (the claim makes it once per
 * channel); before the posting moment nothing is due.
 */

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const posted = (day: string, now: Date, calendar: HuddleCalendar) => {
  const today = localDate(now, calendar.timeZone);
  return today > day || (today === day && now >= atLocalTime(day, calendar.postTime, calendar.timeZone));
};

/** The month before a month (YYYY-MM). */
export const previousMonth = (month: string): string => shiftMonth(month, -1);

/** The month (YYYY-MM) whose figures are due at `now`, or null before this month's posting. */
export function monthlyFiguresDue(now: Date, calendar: HuddleCalendar): string | null {
  const month = localDate(now, calendar.timeZone).slice(0, 7);
  return posted(workingDayFrom(`${month}-01`, calendar.bankHolidays), now, calendar) ? previousMonth(month) : null;
}

/** The list day (YYYY-MM-DD) of the high-risk list due at `now`, or null before this week's posting. */
export function highRiskListDue(now: Date, calendar: HuddleCalendar, listDay: Weekday): string | null {
  const today = localDate(now, calendar.timeZone);
  const listDate = shiftDate(today, -((isoWeekday(today) - (WEEKDAYS.indexOf(listDay) + 1) + 7) % 7));
  return posted(workingDayFrom(listDate, calendar.bankHolidays), now, calendar) ? listDate : null;
}
