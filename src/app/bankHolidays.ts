import Holidays from 'date-holidays';

/** The UK nations whose bank holidays date-holidays knows (England and Wales share theirs). */
export const BANK_HOLIDAY_REGIONS = ['ENG', 'WLS', 'SCT', 'NIR', 'none'] as const;
export type BankHolidayRegion = (typeof BANK_HOLIDAY_REGIONS)[number];

/**
 * The region's public and bank holidays (YYYY-MM-DD) from 2000 to ten years after `now`, as
 * date-holidays computes them (substitute days included), with the council's own closures added.
 */
export function bankHolidays(region: BankHolidayRegion, localClosures: readonly string[], now: Date): string[] {
  const days = new Set(localClosures);
  if (region !== 'none') {
    const calendar = new Holidays('GB', region);
    for (let year = 2000; year <= now.getUTCFullYear() + 10; year++) {
      for (const holiday of calendar.getHolidays(year)) if (holiday.type === 'public' || holiday.type === 'bank') days.add(holiday.date.slice(0, 10));
    }
  }
  return [...days].sort();
}
