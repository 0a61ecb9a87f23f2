/**
 * npm run bench:import: the CSV import's rows a second and peak memory, on PGlite and PostgreSQL,
 * against PostgreSQL's own COPY of the same file in the same run (a load with no checking at all:
 * the floor no import can beat).
 *
 * For each size in BENCH_IMPORT_ROWS (default "10000,1000000"): a native-format file of invented
 * children is written to a temporary directory, a quarter as many children as rows so each child
 * has four episodes spread through the file (as an unsorted export has them), every episode
 * returned with a completed RHI. Each import runs in a process of its own (`node bench/import.ts
 * --worker …`), as `npm run import` does, reading the file as a stream into a database on disk,
 * with its resident memory sampled every 50 ms. Nothing is kept.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { Client } from 'pg';
import { NATIVE_COLUMNS, SSDA903_COLUMNS } from '../src/import/csvRows';
import { importEpisodesCsv } from '../src/import/importer';
import { openPglite, openPostgres } from '../src/store/db';
import { migrate } from '../src/store/migrate';
import { context } from '../test/support/recording';
import { startPostgresServer } from '../test/support/postgres';

const SIZES = (process.env.BENCH_IMPORT_ROWS ?? '10000,1000000').split(',').map(Number);
const FORMATS = (process.env.BENCH_IMPORT_FORMATS ?? 'native,ssda903').split(',') as ('native' | 'ssda903')[];
const NOW = new Date('2026-06-09T08:00:00Z');
const DAY = 86_400_000;
const COLUMNS = { native: [...NATIVE_COLUMNS, 'rhi_provider'], ssda903: [...SSDA903_COLUMNS] };

/**
 * Row i: child i mod (rows/4), its (i div children)-th episode, 30 days after the one before. The
 * native file gives each a risk grade and a completed RHI (the most a row writes); the SSDA903
 * Missing table gives dates only (what a council's years of history mostly are).
 */
async function writeFile(path: string, rows: number, format: 'native' | 'ssda903'): Promise<void> {
  const children = Math.max(1, Math.floor(rows / 4));
  const out = createWriteStream(path);
  out.write(`${COLUMNS[format].join(',')}\n`);
  for (let index = 0; index < rows; index++) {
    const child = index % children;
    const episode = Math.floor(index / children);
    const reported = Date.UTC(2018, 0, 1) + episode * 30 * DAY + (child % 1_440) * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).split('-').reverse().join('/');
    const line =
      format === 'ssda903'
        ? `BENCH-${child},01/01/2010,M,${day(reported)},${day(reported + DAY)}\n`
        : `BENCH-${child},Bench,Synthetic${child},2010-01-01,N,,home,${iso(reported)},${iso(reported + 6 * 3_600_000)},medium,POL-B-${index},RHI-B-${index},${iso(reported + DAY)},accepted,${iso(reported + 2 * DAY)},in_house\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface WorkerResult {
  seconds: number;
  rows: number;
  created: number;
  rssStartMb: number;
  rssPeakMb: number;
}

/** One import in this process: the file streamed into a fresh database; prints its result as JSON. */
async function worker(driver: string, file: string, target: string): Promise<void> {
  const db = driver === 'pglite' ? await openPglite(target) : await openPostgres(target, { queryTimeoutMs: 60_000 });
  await migrate(db);
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const summary = await importEpisodesCsv(db, createReadStream(file), context({ now: NOW, actor: { name: 'csv:bench', kind: 'import' } }), { skipInvalid: false, timeZone: 'Europe/London' });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  await db.close();
  if (summary.rejected) throw new Error(`the import refused the file: ${JSON.stringify(summary.problems.slice(0, 3))}`);
  const result: WorkerResult = { seconds, rows: summary.rows, created: summary.created, rssStartMb: rssStart / 2 ** 20, rssPeakMb: rssPeak / 2 ** 20 };
  console.log(JSON.stringify(result));
}

function runWorker(driver: string, file: string, target: string): WorkerResult {
  const output = execFileSync(process.execPath, ['--no-deprecation', '--expose-gc', '--import', 'tsx', __filename, '--worker', driver, file, target], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(output.trim().split('\n').at(-1)!) as WorkerResult;
}

/** PostgreSQL's COPY of the same file into a table of its columns as text. */
async function copySeconds(url: string, file: string, columns: string[]): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create table bench_copy (${columns.map((column) => `${column} text`).join(', ')})`);
    const started = performance.now();
    await client.query(`copy bench_copy from '${file}' with (format csv, header true)`);
    return (performance.now() - started) / 1000;
  } finally {
    await client.query('drop table if exists bench_copy');
    await client.end();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'huddle-bench-import-'));
  execFileSync('chmod', ['755', dir]); // PostgreSQL's COPY reads the file as its own user
  const server = await startPostgresServer();
  const fmt = (value: number) => Math.round(value).toLocaleString('en-GB');
  try {
    console.log('rows       format   database  import rows/s   COPY rows/s  import ÷ COPY rate  peak RSS (start)   goal ≥ 5,000 rows/s, < 300 MB');
    for (const [rows, format] of SIZES.flatMap((size) => FORMATS.map((format) => [size, format] as const))) {
      const file = join(dir, `episodes-${rows}-${format}.csv`);
      await writeFile(file, rows, format);
      const copy = rows / (await copySeconds(await server.createDatabase(), file, COLUMNS[format]));
      for (const driver of ['pglite', 'postgres']) {
        const target = driver === 'pglite' ? mkdtempSync(join(dir, 'pglite-')) : await server.createDatabase();
        const result = runWorker(driver, file, target);
        if (result.created !== rows) throw new Error(`${driver}: ${result.created} of ${rows} rows created`);
        const rate = rows / result.seconds;
        console.log(
          `${fmt(rows).padEnd(10)} ${format.padEnd(8)} ${driver.padEnd(9)} ${fmt(rate).padStart(12)} ${fmt(copy).padStart(13)} ${(rate / copy).toFixed(3).padStart(19)}  ${fmt(result.rssPeakMb)} MB (${fmt(result.rssStartMb)} MB)   file ${fmt(statSync(file).size / 2 ** 20)} MB`,
        );
        if (driver === 'pglite') rmSync(target, { recursive: true, force: true });
      }
      rmSync(file);
    }
  } finally {
    await server.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [flag, driver, file, target] = process.argv.slice(2);
  (flag === '--worker' ? worker(driver!, file!, target!) : main()).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
