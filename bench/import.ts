/**
 * npm run bench:import: the CSV import's rows a second on PGlite and PostgreSQL, against the same
 * rows written by one set-based statement in the same run (the database's own speed for them, the
 * ceiling a batched import could approach). BENCH_IMPORT_ROWS rows (default 2,000), one invented
 * child and returned episode each, in the native format. Nothing is kept.
 */
import { performance } from 'node:perf_hooks';
import { NATIVE_COLUMNS } from '../src/import/csvRows';
import { importEpisodesCsv } from '../src/import/importer';
import { openTestDatabase } from '../test/support/databases';
import { context } from '../test/support/recording';
import { stopPostgres } from '../test/support/postgres';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 2_000);
const NOW = new Date('2026-06-09T08:00:00Z');

function csv(rows: number): string {
  const lines = [NATIVE_COLUMNS.join(',')];
  for (let index = 0; index < rows; index++) {
    const reported = new Date(Date.UTC(2019, 0, 1) + index * 3_600_000);
    const returned = new Date(reported.getTime() + 6 * 3_600_000);
    lines.push(`IMPB-${index},Bench,Synthetic${index},2010-01-01,N,,home,${reported.toISOString()},${returned.toISOString()},medium,POL-IMPB-${index},,,,`);
  }
  return lines.join('\n');
}

async function run(driver: 'pglite' | 'postgres', text: string) {
  const db = await openTestDatabase(driver);
  try {
    const started = performance.now();
    const summary = await importEpisodesCsv(db, text, context({ now: NOW, actor: { name: 'csv:bench', kind: 'import' } }), { skipInvalid: false, timeZone: 'Europe/London' });
    const importSeconds = (performance.now() - started) / 1000;
    if (summary.rejected || summary.created !== ROWS) throw new Error(`the import did not take every row: ${JSON.stringify(summary).slice(0, 300)}`);
    await db.exec('truncate audit_log, episode_history, episodes, children restart identity cascade');
    const setStart = performance.now();
    await db.exec(`
      with made as (
        insert into children (id, ref, given_name, family_name, date_of_birth, looked_after)
          select gen_random_uuid(), 'IMPB-' || n, 'Bench', 'Synthetic' || n, date '2010-01-01', false from generate_series(0, ${ROWS - 1}) n
        returning id, substr(ref, 6)::int as n)
      insert into episodes (id, child_id, kind, reported_at, returned_at, police_ref, risk_grade, source)
        select gen_random_uuid(), id, 'missing_from_home', timestamptz '2019-01-01 00:00+00' + n * interval '1 hour',
               timestamptz '2019-01-01 06:00+00' + n * interval '1 hour', 'POL-IMPB-' || n, 'medium', 'import' from made;`);
    const setSeconds = (performance.now() - setStart) / 1000;
    const rate = ROWS / importSeconds;
    console.log(`${driver.padEnd(8)} import ${Math.round(rate).toLocaleString('en-GB')} rows/s; one set-based statement ${Math.round(ROWS / setSeconds).toLocaleString('en-GB')} rows/s; import ÷ statement time ${(importSeconds / setSeconds).toFixed(0)}x (goal: ≥ 5,000 rows/s)`);
  } finally {
    await db.close();
  }
}

async function main() {
  const text = csv(ROWS);
  console.log(`${ROWS.toLocaleString('en-GB')} rows, native format, one child each, all returned`);
  await run('pglite', text);
  await run('postgres', text);
  await stopPostgres();
}

if (require.main === module) void main();
