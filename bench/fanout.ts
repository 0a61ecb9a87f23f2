/**
 * npm run bench:fanout: the daily list to BENCH_FANOUT_CHANNELS (default 1,000) linked channels
 * through a local Bot Connector that keeps Teams' limits (50 requests a second for the app, 7 a
 * second per thread) and answers 429 with Retry-After beyond them (issue 13, part 2).
 *
 * Each replica is the real service (`startApp`, its scheduler off) in a process of its own, told
 * when to post; the connector runs in this process and records every request. Scenarios, each
 * from no posts: PGlite, one replica; PostgreSQL, one replica; PostgreSQL, two replicas started
 * together; PostgreSQL, two replicas with the second BENCH_FANOUT_STAGGER_MS (default 5,000) later
 * (as two replicas' 30-second rounds fall). Then a change to the list reaching every posted copy.
 *
 * Reported: the time from "post" to the last card accepted, against the bound the limits set
 * (channels ÷ 50 a second), the 429s, and every channel's count of cards (0 = lost, 2+ = duplicate).
 * Goal ≤ 1.05× the bound, 0 lost, 0 duplicate.
 *
 * BENCH_FANOUT_REFUSE (default 0) makes the connector also refuse that many posts it would accept,
 * spread through the fan-out (429, Retry-After 1 s: Teams refusing for its own reasons), to measure
 * what a refusal costs the run; the 429s column counts them with the rest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startApp, type RunningApp } from '../src/app/app';
import { loadConfig } from '../src/config';
import { upsertChannel, setChannelAgency } from '../src/store/channels';
import { openConfiguredDatabase } from '../src/store/db';
import { migrate } from '../src/store/migrate';
import { AGENCIES } from '../src/domain/types';
import { startPostgresServer } from '../test/support/postgres';
import { seedMissing } from './seed';
import { recordResults } from './results';

const CHANNELS = Number(process.env.BENCH_FANOUT_CHANNELS ?? 1_000);
const STAGGER_MS = Number(process.env.BENCH_FANOUT_STAGGER_MS ?? 5_000);
const CHILDREN = Number(process.env.BENCH_FANOUT_CHILDREN ?? 30);
const SCENARIOS = (process.env.BENCH_FANOUT_SCENARIOS ?? 'pglite,postgres,postgres-2,postgres-2-staggered').split(',');
/** Posts refused on purpose (the connector's nth accepted-to-be, spread evenly), beside those over the limits. */
const REFUSE = Number(process.env.BENCH_FANOUT_REFUSE ?? 0);
const NOW = new Date('2026-06-09T08:00:00Z'); // a Tuesday, after the post time
const APP_LIMIT = 50;
/** Agencies whose channels get the daily list and nothing else that day (management's also get the oversight posts). */
const LIST_AGENCIES = AGENCIES.filter((agency) => agency !== 'management');
const THREAD_LIMIT = 7;

// ---------------------------------------------------------------- the connector

interface Counts {
  posts: Map<string, number>;
  updates: Map<string, number>;
  throttled: number;
  lastPostAt: number;
  lastUpdateAt: number;
}

/** A Bot Connector on loopback keeping Teams' per-app and per-thread limits (sliding one-second windows of accepted requests). */
async function limitingConnector(): Promise<{ url: string; counts: Counts; reset(): void; close(): Promise<void> }> {
  let counts: Counts = { posts: new Map(), updates: new Map(), throttled: 0, lastPostAt: 0, lastUpdateAt: 0 };
  const app: number[] = [];
  const threads = new Map<string, number[]>();
  let counter = 0;
  // The posts refused on purpose, by their place among the posts arriving (first attempts and retries alike).
  let arriving = 0;
  const refusing = new Set(Array.from({ length: REFUSE }, (_, index) => Math.round(((index + 1) * CHANNELS) / (REFUSE + 1))));
  const admit = (times: number[], limit: number, now: number) => {
    while (times.length > 0 && times[0]! <= now - 1_000) times.shift();
    return times.length < limit;
  };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const now = performance.now();
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(request.url ?? '');
      if (!match) {
        response.writeHead(404);
        response.end();
        return;
      }
      const thread = decodeURIComponent(match[1]!);
      const times = threads.get(thread) ?? threads.set(thread, []).get(thread)!;
      const refused = request.method === 'POST' && refusing.has(++arriving);
      if (refused || !admit(app, APP_LIMIT, now) || !admit(times, THREAD_LIMIT, now)) {
        counts.throttled++;
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'throttled' } }));
        return;
      }
      app.push(now);
      times.push(now);
      if (request.method === 'PUT') {
        counts.updates.set(thread, (counts.updates.get(thread) ?? 0) + 1);
        counts.lastUpdateAt = now;
      } else {
        counts.posts.set(thread, (counts.posts.get(thread) ?? 0) + 1);
        counts.lastPostAt = now;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: `activity-${++counter}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get counts() {
      return counts;
    },
    reset() {
      counts = { posts: new Map(), updates: new Map(), throttled: 0, lastPostAt: 0, lastUpdateAt: 0 };
      arriving = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- a replica (child process)

type Command = { cmd: 'post' } | { cmd: 'refresh' } | { cmd: 'clear' } | { cmd: 'stop' };

async function replica(): Promise<void> {
  const [database, connectorUrl, seed] = process.argv.slice(3);
  const config = loadConfig({
    PORT: '0',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    ...(process.env.PGLITE_THREAD ? { PGLITE_THREAD: process.env.PGLITE_THREAD } : {}),
    ...(database!.startsWith('postgres') ? { DATABASE_URL: database! } : { DATA_DIR: database! }),
  });
  // Opened as the service opens it (PGlite in the thread PGLITE_THREAD names), PostgreSQL's statements given longer than the service's bound.
  const db = await openConfiguredDatabase({ ...config, DB_QUERY_TIMEOUT_MS: 30_000 });
  if (seed === 'seed') {
    await migrate(db);
    await seedMissing(db, NOW, CHILDREN);
    await db.transaction(async (tx) => {
      for (let index = 0; index < CHANNELS; index++) {
        const conversationId = `19:bench-${index}@thread.tacv2`;
        const channel = await upsertChannel(tx, {
          conversationId,
          teamId: `19:bench-team-${Math.floor(index / 50)}@thread.tacv2`,
          tenantId: '00000000-0000-0000-0000-0000000000001',
          name: `Bench ${index}`,
          reference: { serviceUrl: connectorUrl!, channelId: 'msteams', bot: { id: '28:missing-huddle', name: 'Missing Huddle' }, conversation: { id: conversationId, isGroup: true, conversationType: 'channel' } },
        });
        await setChannelAgency(tx, channel.id, LIST_AGENCIES[index % LIST_AGENCIES.length]!);
      }
    });
  }
  const app: RunningApp = await startApp(config, { db, now: () => NOW, scheduler: false, logger: pino({ level: 'silent' }) });
  process.send!({ ready: true });
  process.on('message', (message: Command) => {
    const work = async () => {
      if (message.cmd === 'post') return app.poster.runOnce();
      if (message.cmd === 'refresh') {
        await app.refresher.request(NOW.toISOString().slice(0, 10));
        return app.refresher.idle();
      }
      if (message.cmd === 'clear') return db.query(`delete from posted_cards`);
      await app.stop();
      await db.close();
      process.exit(0);
    };
    work().then(
      (result) => process.send!({ done: message.cmd, result }),
      (error: Error) => process.send!({ error: error.message }),
    );
  });
}

// ---------------------------------------------------------------- the bench

interface Replica {
  child: ChildProcess;
  ask(command: Command): Promise<unknown>;
}

async function startReplica(database: string, connectorUrl: string, seed: boolean): Promise<Replica> {
  const child = fork(__filename, ['--replica', database, connectorUrl, seed ? 'seed' : ''], { execArgv: ['--no-deprecation', '--import', 'tsx'], stdio: 'inherit' });
  const [first] = (await once(child, 'message')) as [{ ready?: boolean; error?: string }];
  if (!first.ready) throw new Error(`replica did not start: ${first.error}`);
  return {
    child,
    async ask(command) {
      child.send(command);
      const [answer] = (await once(child, 'message')) as [{ done?: string; result?: unknown; error?: string }];
      if (answer.error) throw new Error(answer.error);
      return answer.result;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tally(map: Map<string, number>): { lost: number; duplicate: number } {
  let lost = 0;
  let duplicate = 0;
  for (let index = 0; index < CHANNELS; index++) {
    const count = map.get(`19:bench-${index}@thread.tacv2`) ?? 0;
    if (count === 0) lost++;
    if (count > 1) duplicate++;
  }
  return { lost, duplicate };
}

async function main(): Promise<void> {
  const connector = await limitingConnector();
  const server = SCENARIOS.some((scenario) => scenario.startsWith('postgres')) ? await startPostgresServer() : null;
  const dir = mkdtempSync(join(tmpdir(), 'huddle-bench-fanout-'));
  const bound = CHANNELS / APP_LIMIT;
  const results: Record<string, unknown>[] = [];
  if (REFUSE > 0) console.log(`the connector also refuses ${REFUSE} posts on purpose (429, Retry-After 1 s), spread through the fan-out`);
  console.log(`${CHANNELS} channels, ${CHILDREN} children on the list; bound ${bound.toFixed(1)} s (${APP_LIMIT} a second for the app, ${THREAD_LIMIT} per thread); goal ≤ 1.05×, 0 lost, 0 duplicate`);
  console.log('scenario                 what      seconds  ÷ bound   429s   lost  duplicate');
  const line = (scenario: string, what: string, seconds: number, counts: Counts, result: { lost: number; duplicate: number }) => {
    console.log(`${scenario.padEnd(24)} ${what.padEnd(8)} ${seconds.toFixed(2).padStart(8)} ${(seconds / bound).toFixed(3).padStart(8)} ${String(counts.throttled).padStart(6)} ${String(result.lost).padStart(6)} ${String(result.duplicate).padStart(10)}`);
    results.push({ scenario, what, seconds, ratio: seconds / bound, throttled: counts.throttled, ...result });
  };
  try {
    let pgUrl: string | undefined;
    for (const scenario of SCENARIOS) {
      const postgres = scenario.startsWith('postgres');
      const database = postgres ? (pgUrl ??= await server!.createDatabase()) : mkdtempSync(join(dir, 'pglite-'));
      const count = scenario.includes('-2') ? 2 : 1;
      const seeded = postgres && scenario !== SCENARIOS.find((name) => name.startsWith('postgres'));
      const replicas: Replica[] = [];
      replicas.push(await startReplica(database, connector.url, !seeded));
      if (count === 2) replicas.push(await startReplica(database, connector.url, false));
      await replicas[0]!.ask({ cmd: 'clear' });
      connector.reset();
      const started = performance.now();
      const runs = replicas.map(async (replica, index) => {
        if (index > 0 && scenario.endsWith('staggered')) await sleep(STAGGER_MS);
        return replica.ask({ cmd: 'post' });
      });
      await Promise.all(runs);
      const posted = connector.counts;
      line(scenario, 'post', (posted.lastPostAt - started) / 1000, posted, tally(posted.posts));
      if (count === 1) {
        // The change comes once the fan-out's requests have left the app's window: measured on its own.
        await sleep(1_500);
        connector.reset();
        const changed = performance.now();
        await replicas[0]!.ask({ cmd: 'refresh' });
        const refreshed = connector.counts;
        line(scenario, 'refresh', (refreshed.lastUpdateAt - changed) / 1000, refreshed, tally(refreshed.updates));
      }
      for (const replica of replicas) {
        replica.child.send({ cmd: 'stop' });
        await once(replica.child, 'exit');
      }
    }
  } finally {
    await connector.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  recordResults('fanout', { channels: CHANNELS, children: CHILDREN, boundSeconds: bound, staggerMs: STAGGER_MS, refused: REFUSE, results });
}

if (require.main === module) {
  (process.argv[2] === '--replica' ? replica() : main()).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
