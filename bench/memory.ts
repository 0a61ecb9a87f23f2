/**
 * npm run bench:memory: the service's resident memory at idle and under load (issue 13, part 3),
 * the service in a process of its own (`node dist/service.js`, what `npm start` runs), on PGlite and
 * on PostgreSQL, with 300 children missing and the day's list posted into a Police channel:
 * - idle: two seconds after /healthz first answers;
 * - under load: the highest RSS sampled every 100 ms while autocannon (its own process) taps
 *   `list.page` at BENCH_LOAD_CONNECTIONS (10) for BENCH_LOAD_SECONDS (20);
 * each with the V8 flags `npm start` uses (a small young generation and a capped old space, which
 * stop V8 growing the heap under load) and with node's defaults;
 * against a bare restify server started the same way in the same run. Goal: ≤ 150 MB under load on
 * PostgreSQL, ≤ 250 MB on PGlite. Nothing is kept.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localDate } from '../src/domain/calendar';
import { openPglite, openPostgres, type Database } from '../src/store/db';
import { migrate } from '../src/store/migrate';
import { recordOnDemandPost } from '../src/store/postedCards';
import { linkTestChannel } from '../test/support/channels';
import { executeAction, POLICE_OFFICER, startConnector } from '../test/support/connector';
import { freePort } from '../test/support/ports';
import { startPostgresServer } from '../test/support/postgres';
import { npmNodeCommand } from '../test/support/startFlags';
import { seedMissing } from './seed';
import { driversFrom, keepPrinted } from './results';

const ROOT = join(__dirname, '..');
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 20);
const POLICE = '19:police@thread.tacv2';
const TIME_ZONE = 'Europe/London';
const DRIVERS = driversFrom('BENCH_LOAD_DRIVERS');
/** The V8 flags `npm start` gives the service (package.json), or BENCH_SERVICE_FLAGS to compare others. */
const SERVICE_FLAGS = process.env.BENCH_SERVICE_FLAGS !== undefined ? process.env.BENCH_SERVICE_FLAGS.split(' ').filter(Boolean) : npmNodeCommand('start').flags;
/** The environment `npm start` sets (glibc's malloc settings), unless BENCH_SERVICE_FLAGS is given: then the bench's own environment decides. */
const SERVICE_ENV = process.env.BENCH_SERVICE_FLAGS !== undefined ? {} : npmNodeCommand('start').env;
const BARE = `const restify = require('restify'); const server = restify.createServer(); server.get('/healthz', async (req, res) => res.send(200, { status: 'ok' })); server.listen(Number(process.env.PORT), '127.0.0.1');`;
const execute = promisify(execFile);

const rssMb = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 300 children, a linked Police channel and today's list posted there: what the taps need. */
async function prepare(db: Database, serviceUrl: string): Promise<string> {
  await migrate(db);
  const now = new Date();
  await seedMissing(db, now);
  await linkTestChannel(db, serviceUrl, POLICE, 'police');
  const today = localDate(now, TIME_ZONE);
  await db.transaction((tx) =>
    recordOnDemandPost(tx, {
      kind: 'daily_list',
      listDate: today,
      conversationId: POLICE,
      reference: { serviceUrl, channelId: 'msteams', conversation: { id: POLICE } },
      displayLevel: 'initials',
      activityId: 'bench-post',
      instance: 'bench',
      now,
      place: 'channel',
      forUserId: null,
    }),
  );
  return today;
}

/** Starts a process, waits for /healthz, answers its pid and port and how to stop it. */
async function start(command: string[], env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'silent', DEMO_DATA: 'false' }, stdio: 'ignore' });
  for (let waited = 0; ; waited += 20) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false)) break;
    if (waited > 120_000) throw new Error('no answer in 2 minutes');
    await pause(20);
  }
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
    },
  };
}

/** autocannon in its own process, tapping `list.page`; answers requests a second and errors. */
async function tap(url: string, body: unknown): Promise<{ rps: number; errors: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'huddle-memory-'));
  try {
    const input = join(dir, 'body.json');
    writeFileSync(input, JSON.stringify(body));
    const cli = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
    const { stdout } = await execute(process.execPath, [cli, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS), '-m', 'POST', '-H', 'content-type=application/json', '-i', input, `${url}/api/messages`], { maxBuffer: 16 << 20 });
    const result = JSON.parse(stdout) as { requests: { average: number }; errors: number; timeouts: number; non2xx: number };
    return { rps: result.requests.average, errors: result.errors + result.timeouts + result.non2xx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(label: string, env: Record<string, string>, today: string, connectorUrl: string, bare: number): Promise<void> {
  // As npm start runs it, then with node's own heap defaults (the baseline of the flags).
  const started = [...Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=${value}`), ...SERVICE_FLAGS].join(' ');
  for (const [flags, name, extra] of [[SERVICE_FLAGS, started || 'no flags', SERVICE_ENV], [[], "node's defaults", {}]] as const) {
    if (name === "node's defaults" && SERVICE_FLAGS.length === 0) continue;
    await measureOnce(`${label}, ${name}`, flags, { ...env, ...extra }, today, connectorUrl, bare);
  }
}

async function measureOnce(label: string, flags: readonly string[], env: Record<string, string>, today: string, connectorUrl: string, bare: number): Promise<void> {
  const service = await start([process.execPath, '--no-deprecation', ...flags, npmNodeCommand('start').script], env);
  try {
    await pause(2_000);
    const idle = rssMb(service.pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(service.pid))), 100);
    const load = await tap(service.url, executeAction(connectorUrl, 'list.page', { kind: 'daily_list', listDate: today, page: 1 }, { channel: POLICE, from: POLICE_OFFICER }));
    clearInterval(sampler);
    const after = rssMb(service.pid);
    const mb = (value: number) => `${Math.round(value)} MB`;
    console.log(
      `${label}:\n  idle ${mb(idle).padStart(7)} (${(idle / bare).toFixed(1)}× bare)  under load ${mb(peak).padStart(7)} (${(peak / bare).toFixed(1)}×)  after ${mb(after)}  · ${Math.round(load.rps)} req/s, ${load.errors} errors`,
    );
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  keepPrinted('memory');
  const build = spawn(process.execPath, ['scripts/build-if-needed.cjs'], { cwd: ROOT, stdio: 'inherit' });
  await new Promise((resolve) => build.once('close', resolve));
  const connector = await startConnector();
  const server = await startPostgresServer();
  const dir = mkdtempSync(join(tmpdir(), 'huddle-memory-db-'));
  try {
    const bareServer = await start([process.execPath, '-e', BARE], {});
    await pause(2_000);
    const bare = rssMb(bareServer.pid);
    await bareServer.stop();
    console.log(`${CONNECTIONS} clients for ${SECONDS} s of list.page, 300 children; bare restify server idle ${Math.round(bare)} MB; goal under load ≤ 150 MB (PostgreSQL), ≤ 250 MB (PGlite)`);
    // PGlite: the data directory is prepared here, closed, then opened by the service alone.
    if (!DRIVERS.includes('pglite')) return void (await measurePostgres());
    const pglite = await openPglite(join(dir, 'data'));
    const today = await prepare(pglite, connector.url);
    await pglite.close();
    await measure('PGlite', { DATA_DIR: join(dir, 'data'), DATABASE_URL: '' }, today, connector.url, bare);
    if (DRIVERS.includes('postgres')) await measurePostgres();
    async function measurePostgres() {
      const url = await server.createDatabase();
      const postgres = await openPostgres(url);
      const day = await prepare(postgres, connector.url);
      await postgres.close();
      await measure('PostgreSQL', { DATABASE_URL: url }, day, connector.url, bare);
    }
  } finally {
    await server.destroy();
    await connector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
