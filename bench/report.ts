/**
 * npm run bench:report: the monthly figures for twelve months against plain SQL counts over the
 * same rows, in one run, on PGlite and PostgreSQL. BENCH_REPORT_EPISODES (default 1,000,000)
 * invented episodes from 2017 to 2026 (four per child, half with a completed RHI, one child in ten
 * looked after, one in twenty placed by another authority) are generated in SQL; then, median of
 * BENCH_ROUNDS each: the figures for the twelve months of 2024; `count(*)` of the episodes
 * reported in those months (an index count); and `count(*)` of those episodes joined to their RHIs
 * (the rows the figures read). Goal: figures ≤ 2× the plain count. BENCH_EXPLAIN=1 prints the
 * figures statement's plan first. Nothing is kept.
 */
import { performance } from 'node:perf_hooks';
import { median } from './median';
import { monthlyFigures } from '../src/reports/monthly';
import { openPglite, openPostgres, type Database, type Queryable } from '../src/store/db';
import { migrate } from '../src/store/migrate';
import { createTestDatabase } from '../test/support/postgres';
import { SETTINGS } from '../test/support/fixtures';
import { driversFrom, runPerDriver } from './results';

const EPISODES = Number(process.env.BENCH_REPORT_EPISODES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
/** Rows a statement: each stays well inside the database's query timeout. */
const BATCH = 100_000;
const NOW = new Date('2026-12-01T09:00:00Z');


/** The invented episodes, children and RHIs the figures are measured over (see the header). */
export async function generate(db: Database): Promise<void> {
  const children = Math.ceil(EPISODES / 4);
  for (let from = 0; from < children; from += BATCH / 4) {
    const count = Math.min(BATCH / 4, children - from);
    await db.exec(`
      insert into children (id, ref, given_name, family_name, looked_after, placing_authority)
        select gen_random_uuid(), 'REP-' || (${from} + n), 'Rep', 'Synthetic', (${from} + n) % 10 = 0,
               case when (${from} + n) % 20 = 0 then 'Example County Council' end
          from generate_series(1, ${count}) n;`);
  }
  // Episode k of child c: spread evenly over ten years, four per child, far apart.
  const span = 10 * 365 * 86_400;
  for (let from = 0; from < EPISODES; from += BATCH) {
    const count = Math.min(BATCH, EPISODES - from);
    await db.exec(`
      with numbered as (
        select id, looked_after, placing_authority, row_number() over (order by ref) - 1 as c from children where ref like 'REP-%')
      insert into episodes (id, child_id, kind, reported_at, returned_at, responsible_authority, source)
        select gen_random_uuid(), numbered.id, 'missing_from_home',
               timestamptz '2017-01-01 00:00+00' + ((${from} + n) * (${span}::bigint / ${EPISODES})) * interval '1 second',
               timestamptz '2017-01-01 06:00+00' + ((${from} + n) * (${span}::bigint / ${EPISODES})) * interval '1 second',
               case when numbered.placing_authority is not null then numbered.placing_authority when numbered.looked_after then 'Demo Borough Council' end,
               'import'
          from generate_series(1, ${count}) n join numbered on numbered.c = (${from} + n) % ${children};`);
  }
  // Half the episodes have a completed RHI of their own.
  await db.exec(`
    create temp table covered as select id as episode_id, child_id, returned_at, gen_random_uuid() as rhi_id from episodes where source = 'import' and hashtext(id::text) % 2 = 0;
    insert into return_interviews (id, child_id, offered_at, outcome, completed_at, provider)
      select rhi_id, child_id, returned_at + interval '1 day', 'accepted', returned_at + interval '2 days', 'in_house' from covered;
    insert into return_interview_episodes (return_interview_id, episode_id) select rhi_id, episode_id from covered;
    drop table covered;
    analyze;`);
}

async function run(driver: 'pglite' | 'postgres') {
  // Generating a million rows takes statements longer than the service's 5-second query limit.
  const db = driver === 'pglite' ? await openPglite() : await openPostgres(await createTestDatabase(), { queryTimeoutMs: 600_000 });
  await migrate(db);
  try {
    const started = performance.now();
    await generate(db);
    const loaded = (performance.now() - started) / 1000;
    if (process.env.BENCH_EXPLAIN) {
      // Prints the plan of each statement the figures run (they run in a transaction of their own).
      const explain = (q: Queryable): Queryable => ({
        exec: (sql) => q.exec(sql),
        query: async <T,>(sql: string, params?: unknown[]) => {
          if (/^\s*(with|select)/i.test(sql)) console.log((await q.query<Record<string, string>>(`explain analyze ${sql}`, params)).map((row) => Object.values(row)[0]).join('\n'));
          return q.query<T>(sql, params);
        },
      });
      await monthlyFigures({ ...db, transaction: (work) => db.transaction((tx) => work(explain(tx))) }, '2024-01', '2024-12', SETTINGS, NOW);
    }
    await monthlyFigures(db, '2024-01', '2024-12', SETTINGS, NOW); // warm
    const figures = await median(ROUNDS, () => monthlyFigures(db, '2024-01', '2024-12', SETTINGS, NOW));
    const bounds = [new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')];
    const plain = await median(ROUNDS, () => db.query('select count(*) from episodes where reported_at >= $1 and reported_at < $2', bounds));
    const joined = await median(ROUNDS, () =>
      db.query(
        // count(r.completed_at), not count(*): the planner may not drop the joins, so it reads the same rows.
        `select count(r.completed_at) from episodes e left join return_interview_episodes re on re.episode_id = e.id left join return_interviews r on r.id = re.return_interview_id
          where e.reported_at >= $1 and e.reported_at < $2`,
        bounds,
      ),
    );
    const rows = await monthlyFigures(db, '2024-01', '2024-12', SETTINGS, NOW);
    const episodes = rows.reduce((sum, row) => sum + row.episodes + row.olaEpisodesExcluded, 0);
    console.log(
      `${driver.padEnd(8)} 12 months' figures over ${EPISODES.toLocaleString('en-GB')} episodes (${episodes.toLocaleString('en-GB')} in 2024): ` +
        `÷ plain count ${(figures / plain).toFixed(2)}x, ÷ count joined to RHIs ${(figures / joined).toFixed(2)}x ` +
        `(this run: figures ${figures.toFixed(1)} ms, count ${plain.toFixed(1)} ms, joined count ${joined.toFixed(1)} ms; data made in ${loaded.toFixed(0)} s)`,
    );
  } finally {
    await db.close();
  }
}

const DRIVERS = driversFrom('BENCH_REPORT_DRIVERS');

if (require.main === module) runPerDriver('report', DRIVERS, run, `rounds: ${ROUNDS} (median of each); goal: figures ≤ 2x the plain count`);
