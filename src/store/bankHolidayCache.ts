import type { Queryable } from './db';

/** One region's computed bank holidays, as kept (migration 014): null when not kept for this key. */
export async function readBankHolidays(db: Queryable, region: string, throughYear: number, source: string): Promise<string[] | null> {
  const rows = await db.query<{ days: string[] }>('select days from bank_holiday_cache where region = $1 and through_year = $2 and source = $3', [region, throughYear, source]);
  return rows[0]?.days ?? null;
}

/** Keeps them; a replica that computed the same at the same moment changes nothing. */
export async function keepBankHolidays(db: Queryable, region: string, throughYear: number, source: string, days: readonly string[]): Promise<void> {
  await db.query('insert into bank_holiday_cache (region, through_year, source, days) values ($1, $2, $3, $4) on conflict do nothing', [region, throughYear, source, days]);
}
