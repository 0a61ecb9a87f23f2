import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { differenceInYears } from 'date-fns/differenceInYears';
import { format } from 'date-fns/format';
import { isWeekend } from 'date-fns/isWeekend';
import { parseISO } from 'date-fns/parseISO';

/** Local calendar helpers. Everything is computed in the configured zone (Europe/London by default). */

export interface HuddleCalendar {
  timeZone: string;
  postTime: string; // HH:MM
  bankHolidays: string[]; // YYYY-MM-DD
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(instant: Date, timeZone: string): string {
  return format(new TZDate(instant, timeZone), 'yyyy-MM-dd');
}

/** The instant of a local wall-clock time on a local date. */
export function atLocalTime(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  // Like Date, TZDate reads a year below 100 as 19xx: set the year on its own so 0001 stays 0001.
  const local = new TZDate(2000, 0, 1, 0, 0, timeZone);
  local.setFullYear(year, month - 1, day);
  local.setHours(hours, minutes, 0, 0);
  return new Date(local.getTime());
}

export function isWorkingDay(date: string, bankHolidays: string[]): boolean {
  return !isWeekend(parseISO(date)) && !bankHolidays.includes(date);
}

/** The calendar date `days` after (or before) `date`. */
export function shiftDate(date: string, days: number): string {
  return format(addDays(parseISO(date), days), 'yyyy-MM-dd');
}

/** The working day before `date` (weekends and bank holidays skipped). */
export function previousWorkingDay(date: string, bankHolidays: string[]): string {
  let day = shiftDate(date, -1);
  while (!isWorkingDay(day, bankHolidays)) day = shiftDate(day, -1);
  return day;
}

/** `date` when it is a working day, else the working day after it. */
export function workingDayFrom(date: string, bankHolidays: string[]): string {
  let day = date;
  while (!isWorkingDay(day, bankHolidays)) day = shiftDate(day, 1);
  return day;
}

/** Calendar months (YYYY-MM) counted from year 0: the arithmetic every month sum here uses. */
export const monthIndex = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

/** The month `months` after (or before) a month, YYYY-MM. */
export function shiftMonth(month: string, months: number): string {
  const index = monthIndex(month) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The ISO day of the week of a date: 1 Monday … 7 Sunday. */
export function isoWeekday(date: string): number {
  return ((parseISO(date).getDay() + 6) % 7) + 1;
}

/** When the previous huddle's list was posted: the previous working day at the post time. */
export function previousHuddleAt(listDate: string, calendar: HuddleCalendar): Date {
  return atLocalTime(previousWorkingDay(listDate, calendar.bankHolidays), calendar.postTime, calendar.timeZone);
}

/** Whole years of age on a local date. */
export function ageOn(dateOfBirth: string | null, date: string): number | null {
  if (!dateOfBirth) return null;
  return differenceInYears(parseISO(date), parseISO(dateOfBirth));
}

/** Times already formatted: a card names the same few instants again and again, and each new one asks Intl for its zone's offset. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 20_000;

/** "14:05 Tue 3 Mar" in the local zone: what a phone user reads at a glance. */
export function formatLocal(instant: Date, timeZone: string, pattern = 'HH:mm EEE d MMM'): string {
  const key = `${instant.getTime()} ${timeZone} ${pattern}`;
  let text = formatted.get(key);
  if (text === undefined) {
    text = format(new TZDate(instant, timeZone), pattern);
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}
