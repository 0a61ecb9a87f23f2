import type HolidaysType from 'date-holidays';
import { keepBankHolidays, readBankHolidays } from '../store/bankHolidayCache';
import type { Queryable } from '../store/db';

/** The UK nations whose bank holidays date-holidays knows (England and Wales share theirs). */
export const BANK_HOLIDAY_REGIONS = ['ENG', 'WLS', 'SCT', 'NIR', 'none'] as const;
export type BankHolidayRegion = (typeof BANK_HOLIDAY_REGIONS)[number];

/** The first year computed: lists and reports of any date since then know their working days. */
const FIRST_YEAR = 2000;

/**
 * The region's public and bank holidays (YYYY-MM-DD) from 2000 to ten years after `now`, as
 * date-holidays computes them (substitute days included), with the council's own closures added.
 */
export function bankHolidays(region: BankHolidayRegion, localClosures: readonly string[], now: Date): string[] {
  return withClosures(regionHolidays(region, lastYear(now)), localClosures);
}

/**
 * The same, read from the database when a start before this one computed them with the same version
 * of date-holidays (and kept there when not): a restart then neither loads the library (its parser,
 * moment-timezone and astronomy, about 0.15 s) nor computes 37 years (about 0.4 s).
 */
export async function loadBankHolidays(db: Queryable, region: BankHolidayRegion, localClosures: readonly string[], now: Date): Promise<string[]> {
  if (region === 'none') return withClosures([], localClosures);
  const through = lastYear(now);
  const source = `date-holidays ${libraryVersion()}`;
  const kept = await readBankHolidays(db, region, through, source);
  if (kept) return withClosures(kept, localClosures);
  const days = regionHolidays(region, through);
  await keepBankHolidays(db, region, through, source, days);
  return withClosures(days, localClosures);
}

const lastYear = (now: Date) => now.getUTCFullYear() + 10;

function withClosures(days: readonly string[], localClosures: readonly string[]): string[] {
  return [...new Set([...days, ...localClosures])].sort();
}

/** Read from its package.json, which it exports: the cache's key, without loading the library. */
function libraryVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('date-holidays/package.json') as { version: string }).version;
}

/** Computing 37 years takes about 0.4 s: once per region and range in a process, however many apps start. */
const computed = new Map<string, readonly string[]>();

function regionHolidays(region: BankHolidayRegion, lastYear: number): readonly string[] {
  if (region === 'none') return [];
  const key = `${region}:${lastYear}`;
  let days = computed.get(key);
  if (!days) {
    // Loaded only when computing: a restart that finds the days kept never loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Holidays = require('date-holidays') as typeof HolidaysType;
    const calendar = new Holidays('GB', region);
    const found: string[] = [];
    for (let year = FIRST_YEAR; year <= lastYear; year++) {
      for (const holiday of calendar.getHolidays(year)) if (holiday.type === 'public' || holiday.type === 'bank') found.push(holiday.date.slice(0, 10));
    }
    days = found;
    computed.set(key, days);
  }
  return days;
}
