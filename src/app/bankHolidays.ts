import type HolidaysType from 'date-holidays';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keepBankHolidays, readBankHolidays } from '../store/bankHolidayCache';
import type { Queryable } from '../store/db';
import { INSTALL_CACHE, writeWhole } from '../store/installCache';

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
 * Where computed days are kept for the next new database on this install, in the install's cache
 * beside the kept PGlite directories: a fresh start then reads a file instead of computing (about
 * 0.4 s of its start).
 */
export const BANK_HOLIDAY_FILE_CACHE = join(INSTALL_CACHE, 'bank-holidays');

export interface BankHolidayCacheOptions {
  /** The directory of kept files; `null`: none (the database's row only). */
  fileCache?: string | null;
}

/**
 * The same, read from the database when a start before this one computed them with the same version
 * of date-holidays (and kept there when not): a restart then neither loads the library (its parser,
 * moment-timezone and astronomy, about 0.15 s) nor computes 37 years (about 0.4 s). A new database
 * reads them from the file an earlier start on this install kept, where there is one.
 */
export async function loadBankHolidays(db: Queryable, region: BankHolidayRegion, localClosures: readonly string[], now: Date, { fileCache = BANK_HOLIDAY_FILE_CACHE }: BankHolidayCacheOptions = {}): Promise<string[]> {
  if (region === 'none') return withClosures([], localClosures);
  const through = lastYear(now);
  const source = `date-holidays ${libraryVersion()}`;
  const kept = await readBankHolidays(db, region, through, source);
  if (kept) return withClosures(kept, localClosures);
  const file = fileCache === null ? null : join(fileCache, `${source.replace(' ', '-')}-${region}-${through}.json`);
  let days = file ? readKeptFile(file, through) : null;
  if (!days) {
    days = regionHolidays(region, through);
    if (file) keepFile(file, days);
  }
  await keepBankHolidays(db, region, through, source, days);
  return withClosures(days, localClosures);
}

/** At most this many days in a kept file (37 years of any nation's holidays are under 500). */
const MOST_KEPT_DAYS = 2_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day (not 2026-02-30: the date made of it is another day, or none) in the years computed. */
function dayIn(day: unknown, through: number): boolean {
  if (typeof day !== 'string' || !DAY.test(day) || day < `${FIRST_YEAR}` || day > `${through}-12-31`) return false;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
}

/** The days a kept file holds; null when there is none, or it is not a list of days in the years computed (it is then computed and written again). */
function readKeptFile(file: string, through: number): readonly string[] | null {
  try {
    const days: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(days) && days.length > 0 && days.length <= MOST_KEPT_DAYS && days.every((day) => dayIn(day, through)) ? (days as string[]) : null;
  } catch {
    return null;
  }
}

/** Written whole; a cache that cannot be written is done without. */
function keepFile(file: string, days: readonly string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeWhole(file, JSON.stringify(days));
  } catch {
    // Read-only install or no space: the next new database computes them again, as before.
  }
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
