/**
 * npm run bench:history: the daily list's cost against years of history, as a ratio in one run.
 * For each database (embedded PGlite, then PostgreSQL): 300 children missing now, the list for a
 * card measured (what a list.page invoke and GET /api/v1/daily-list do: load the day's records,
 * build the list, render a page) in two databases, one that also holds BENCH_HISTORY (default
 * 1,000,000) invented episodes from 2015–2020, all returned, none with an RHI (as an SSDA903
 * import leaves them); the two measured in alternate rounds after the same warm-up. Goal: ≤ 1.2×.
 * Nothing is kept.
 */
import { performance } from 'node:perf_hooks';
import { middle } from './median';
import { listCard } from '../src/lists/listCards';
import { openTestDatabase } from '../test/support/databases';
import { SETTINGS } from '../test/support/fixtures';
import { runPerDriver } from './results';

const NOW = new Date('2026-06-09T08:00:00Z');
const HISTORY = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
/** Rounds first run and not counted: the code compiled, the caches warm, for both lists alike. */
const WARM_UP = 10;
/** Rows a statement: each stays well inside the database's query timeout (DB_QUERY_TIMEOUT_MS, 5 s). */
const BATCH = 25_000;


const LIVE = `
  insert into children (id, ref, given_name, family_name, looked_after) select gen_random_uuid(), 'LIVE-' || n, 'Live', 'Synthetic' || n, false from generate_series(1, 300) n;
  insert into episodes (id, child_id, kind, reported_at, risk_grade, source)
    select gen_random_uuid(), id, 'missing_from_home', timestamptz '2026-06-09 07:00+00' - (row_number() over ()) * interval '10 minutes', 'medium', 'api' from children;`;

/** The two lists measured in alternate rounds (the same warm-up, the same moments of the machine's noise): median of each. */
async function alternate(rounds: number, first: () => Promise<unknown>, second: () => Promise<unknown>): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const [index, work] of [first, second].entries()) {
      const start = performance.now();
      await work();
      times[index]!.push(performance.now() - start);
    }
  }
  return [middle(times[0]), middle(times[1])];
}

async function run(driver: 'pglite' | 'postgres') {
  // Two databases with the same 300 children missing now; the second also holds the history.
  const [none, history] = [await openTestDatabase(driver), await openTestDatabase(driver)];
  try {
    await none.exec(LIVE);
    await history.exec(LIVE);
    const audience = { agency: 'police' as const, displayLevel: 'initials' as const, private: false };
    const card = (db: typeof none) => () => listCard(db, { kind: 'daily_list', date: '2026-06-09', page: 0, audience, now: NOW }, SETTINGS);
    const started = performance.now();
    for (let from = 0; from < HISTORY; from += BATCH) {
      const count = Math.min(BATCH, HISTORY - from);
      await history.exec(`
        with made as (
          insert into children (id, ref, given_name, family_name, looked_after)
            select gen_random_uuid(), 'HIST-' || (${from} + n), 'Hist', 'Synthetic', false from generate_series(1, ${count}) n
          returning id, substr(ref, 6)::int as n)
        insert into episodes (id, child_id, kind, reported_at, returned_at, source)
          select gen_random_uuid(), id, 'missing_from_home', timestamptz '2015-01-01 00:00+00' + n * interval '150 seconds',
                 timestamptz '2015-01-01 06:00+00' + n * interval '150 seconds', 'import' from made;`);
    }
    const loaded = (performance.now() - started) / 1000;
    // As autovacuum leaves tables loaded long ago (visibility map set, statistics read), and nothing
    // left to write out while the lists are measured.
    for (const db of [none, history]) await db.exec('vacuum analyze');
    for (const db of [none, history]) await db.exec('checkpoint');
    await alternate(WARM_UP, card(none), card(history));
    const [before, after] = await alternate(ROUNDS, card(none), card(history));
    console.log(`${driver.padEnd(8)} list for a card, ${HISTORY.toLocaleString('en-GB')} historical episodes ÷ none: ${(after / before).toFixed(2)}x  (this run: ${before.toFixed(1)} ms → ${after.toFixed(1)} ms; history loaded in ${loaded.toFixed(0)} s)`);
  } finally {
    await none.close();
    await history.close();
  }
}

if (require.main === module) runPerDriver('history', ['pglite', 'postgres'] as const, run, `rounds: ${ROUNDS} (median of each); goal ≤ 1.2x`);
