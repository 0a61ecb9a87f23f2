/**
 * npm run bench:startup: time from starting the service to /healthz answering, and its resident
 * memory then, against a bare restify server started the same way in the same run (issue 13, part
 * 3). Each start is its own process on a loopback port, median of BENCH_STARTS (default 3):
 * - built (`node dist/service.js`, what `npm start` runs once dist/ is up to date) on PGlite: a fresh
 *   data directory (demo data), first as the first on an install (the kept directories and bank
 *   holidays removed before each, so initdb, the migrations and the bank holidays' computing run)
 *   then as any later one (a copy of the migrated one), then a restart on the same directory, and
 *   the restart with PGlite in the service's own thread (PGLITE_THREAD=main, the default before the
 *   worker opened it alongside the code's loading); on PostgreSQL;
 * - `npm start` itself on the PGlite restart (the up-to-date check and npm's own start included),
 *   and on a data directory holding 10,000 imported episodes besides the demo (`npm run import`);
 * - as before, `node --import tsx src/main.ts` (compiling TypeScript at every start) and `node
 *   dist/main.js` (the built modules loaded one by one, not bundled) on the PGlite restart.
 * Goal: start ≤ 2 s. Nothing is kept but the kept directories and bank holidays (node_modules/.cache).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { INSTALL_CACHE } from '../src/store/installCache';
import { freePort } from '../test/support/ports';
import { npmNodeCommand } from '../test/support/startFlags';
import { runImport, writeFile } from './import';
import { startPostgresServer } from '../test/support/postgres';
import { keepPrinted } from './results';

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const ROOT = join(__dirname, '..');
const BARE = `const restify = require('restify'); const server = restify.createServer(); server.get('/healthz', async (req, res) => res.send(200, { status: 'ok' })); server.listen(Number(process.env.PORT), '127.0.0.1');`;

export interface Start {
  ms: number;
  rssMb: number;
}

/** Starts `command`, polls /healthz every 10 ms until it answers, reads the process's RSS, stops it. */
export async function startOnce(command: string[], env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'silent' }, stdio: 'ignore', detached: true });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
      if (ok) break;
      if (performance.now() - started > 120_000) throw new Error(`${command.join(' ')} did not answer in 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ms = performance.now() - started;
    // The service's own process: npm's child when started through npm.
    const pids = [child.pid!, ...childrenOf(child.pid!)];
    const rssMb = Math.max(...pids.map(rssOf)) / 1024;
    return { ms, rssMb };
  } finally {
    if (child.exitCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
    }
  }
}

function childrenOf(pid: number): number[] {
  try {
    const direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return direct.flatMap((child) => [child, ...childrenOf(child)]);
  } catch {
    return [];
  }
}

const rssOf = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

async function median(label: string, command: string[], env: () => Record<string, string>, baseline: Start | null): Promise<Start> {
  const runs: Start[] = [];
  for (let run = 0; run < STARTS; run++) runs.push(await startOnce(command, env()));
  const by = <K extends keyof Start>(key: K) => runs.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const result = { ms: by('ms'), rssMb: by('rssMb') };
  const ratio = baseline ? ` (${(result.ms / baseline.ms).toFixed(1)}× the bare server's time, ${(result.rssMb / baseline.rssMb).toFixed(1)}× its memory)` : '';
  console.log(`${label.padEnd(76)} ${Math.round(result.ms).toLocaleString('en-GB').padStart(6)} ms  ${Math.round(result.rssMb).toLocaleString('en-GB').padStart(5)} MB RSS${ratio}`);
  return result;
}

/** `rows` invented episodes (bench/import.ts's file) imported into `dataDir` by `npm run import`'s command, as bench:import runs it. */
async function importEpisodes(dataDir: string, rows: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'huddle-start-file-'));
  try {
    const file = join(dir, 'episodes.csv');
    await writeFile(file, rows, 'native');
    await runImport('pglite', file, dataDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  keepPrinted('startup');
  const build = spawn(process.execPath, ['scripts/build-if-needed.cjs'], { cwd: ROOT, stdio: 'inherit' });
  await new Promise((resolve) => build.once('close', resolve));
  const server = await startPostgresServer();
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'huddle-start-'));
    dirs.push(dir);
    return { DATA_DIR: dir, DATABASE_URL: '' };
  };
  try {
    console.log(`median of ${STARTS} starts each; goal: start ≤ 2,000 ms`);
    const bare = await median('bare restify server (node -e)', [process.execPath, '-e', BARE], () => ({}), null);
    const node = [process.execPath, '--no-deprecation', npmNodeCommand('start').script];
    // The first new data directory on an install makes the kept ones the rest are copied from, and computes the bank holidays.
    const firstOnInstall = () => {
      rmSync(INSTALL_CACHE, { recursive: true, force: true });
      return fresh();
    };
    await median('built, PGlite, fresh data directory with demo data, first on this install', node, firstOnInstall, bare);
    await median('built, PGlite, fresh data directory with demo data', node, fresh, bare);
    const kept = fresh();
    await startOnce(node, kept);
    await median('built, PGlite, restart', node, () => kept, bare);
    await median("built, PGlite in the service's thread (PGLITE_THREAD=main, before), restart", node, () => ({ ...kept, PGLITE_THREAD: 'main' }), bare);
    await median('built unbundled, node dist/main.js (before), PGlite, restart', [process.execPath, '--no-deprecation', 'dist/main.js'], () => kept, bare);
    await median('npm start, PGlite, restart', ['npm', 'start', '--silent'], () => kept, bare);
    const history = fresh();
    await startOnce(node, history);
    await importEpisodes(history.DATA_DIR, 10_000);
    await median('npm start, PGlite with 10,000 episodes, restart', ['npm', 'start', '--silent'], () => history, bare);
    await median('tsx src/main.ts (before), PGlite, restart', [process.execPath, '--no-deprecation', '--import', 'tsx', 'src/main.ts'], () => kept, bare);
    const url = await server.createDatabase();
    await startOnce(node, { DATABASE_URL: url });
    await median('built, PostgreSQL, restart', node, () => ({ DATABASE_URL: url }), bare);
    await median('tsx src/main.ts (before), PostgreSQL, restart', [process.execPath, '--no-deprecation', '--import', 'tsx', 'src/main.ts'], () => ({ DATABASE_URL: url }), bare);
  } finally {
    await server.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
