/**
 * npm run bench:import: the CSV import's rows a second and peak memory, on PGlite and PostgreSQL,
 * against PostgreSQL's own COPY of the same file in the same run (a load with no checking at all:
 * the floor no import can beat).
 *
 * For each size in BENCH_IMPORT_ROWS (default "10000,1000000"): a native-format file of invented
 * children is written to a temporary directory, a quarter as many children as rows so each child
 * has four episodes spread through the file (as an unsorted export has them), every episode
 * returned with a completed RHI. Each import is `npm run import` itself (the built command line
 * with its node flags, in a process of its own), reading the file as a stream into a database on
 * disk, with its resident memory sampled every 50 ms. Nothing is kept.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { Client } from 'pg';
import { NATIVE_COLUMNS, SSDA903_COLUMNS } from '../src/import/csvRows';
import { startPostgresServer } from '../test/support/postgres';
import { npmNodeCommand } from '../test/support/startFlags';
import { recordResults } from './results';

const SIZES = (process.env.BENCH_IMPORT_ROWS ?? '10000,1000000').split(',').map(Number);
const DRIVERS = (process.env.BENCH_IMPORT_DRIVERS ?? 'pglite,postgres').split(',');
const FORMATS = (process.env.BENCH_IMPORT_FORMATS ?? 'native,ssda903').split(',') as ('native' | 'ssda903')[];
const DAY = 86_400_000;
const COLUMNS = { native: [...NATIVE_COLUMNS, 'rhi_provider'], ssda903: [...SSDA903_COLUMNS] };

/**
 * Row i: child i mod (rows/4), its (i div children)-th episode, 30 days after the one before. The
 * native file gives each a risk grade and a completed RHI (the most a row writes); the SSDA903
 * Missing table gives dates only (what a council's years of history mostly are).
 */
export async function writeFile(path: string, rows: number, format: 'native' | 'ssda903'): Promise<void> {
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
  rssPeakMb: number;
}

const rssMb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0; // exited meanwhile
  }
};

/**
 * One import as `npm run import` runs it: the built command line in a process of its own, reading
 * the file as a stream into a database of its own; its resident memory sampled every 50 ms from
 * /proc. The rate is the command's own (rows over the time from the first row read to the last
 * written, after opening and migrating the database).
 */
export async function runImport(driver: string, file: string, target: string): Promise<WorkerResult> {
  // What `npm run import` runs (package.json), so that what is measured is what a council runs.
  const { env: scriptEnv, flags, script } = npmNodeCommand('import');
  const env = { ...process.env, ...scriptEnv, LOG_LEVEL: 'silent', TIMEZONE: 'Europe/London', ...(driver === 'pglite' ? { DATA_DIR: target, DATABASE_URL: '' } : { DATABASE_URL: target }) };
  const child = spawn(process.execPath, [...flags, script, file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(child.pid!))), 50);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`npm run import exited ${code}: ${stdout.slice(-2_000)} ${stderr}`);
  const imported = /Imported ([\d,]+) of ([\d,]+) rows .*: ([\d,]+) new/.exec(stdout);
  const timed = /rows in [\d.]+ s \(([\d,]+) rows a second\)/.exec(stdout);
  if (!imported || !timed) throw new Error(`unexpected output: ${stdout.slice(-2_000)}`);
  const count = (text: string) => Number(text.replaceAll(',', ''));
  // From the command's rate (rows over its unrounded time): the seconds it prints are to a tenth,
  // too coarse at 10,000 rows, where "2.0 s" is anything from 1.95 to 2.05.
  const rows = count(imported[2]!);
  return { seconds: rows / count(timed[1]!), rows, created: count(imported[3]!), rssPeakMb: rssPeak };
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
    console.log('rows       format   database  import rows/s   COPY rows/s  import ÷ COPY rate  peak RSS         goal ≥ 5,000 rows/s, < 300 MB');
    const figures: Record<string, unknown>[] = [];
    for (const [rows, format] of SIZES.flatMap((size) => FORMATS.map((format) => [size, format] as const))) {
      const file = join(dir, `episodes-${rows}-${format}.csv`);
      await writeFile(file, rows, format);
      const copy = rows / (await copySeconds(await server.createDatabase(), file, COLUMNS[format]));
      for (const driver of DRIVERS) {
        const target = driver === 'pglite' ? mkdtempSync(join(dir, 'pglite-')) : await server.createDatabase();
        const result = await runImport(driver, file, target);
        if (result.created !== rows) throw new Error(`${driver}: ${result.created} of ${rows} rows created`);
        const rate = rows / result.seconds;
        console.log(
          `${fmt(rows).padEnd(10)} ${format.padEnd(8)} ${driver.padEnd(9)} ${fmt(rate).padStart(12)} ${fmt(copy).padStart(13)} ${(rate / copy).toFixed(3).padStart(19)}  ${fmt(result.rssPeakMb).padStart(4)} MB           file ${fmt(statSync(file).size / 2 ** 20)} MB`,
        );
        figures.push({ rows, format, driver, rowsPerSecond: rate, copyRowsPerSecond: copy, ratioToCopy: rate / copy, peakRssMb: result.rssPeakMb });
        if (driver === 'pglite') rmSync(target, { recursive: true, force: true });
      }
      rmSync(file);
    }
    recordResults('import', figures);
  } finally {
    await server.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // The command is measured as built: build it first if a source changed (as npm run import does).
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build-if-needed.cjs')], { stdio: 'inherit' });
  main().catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
