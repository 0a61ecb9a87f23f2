/**
 * npm run bench:load: card actions under load against a bare bot (issue 13, part 1). Invokes are
 * posted to /api/messages by autocannon (a process of its own) on loopback at BENCH_LOAD_CONNECTIONS (default 10 and 50)
 * concurrent clients for BENCH_LOAD_SECONDS (default 20) each, with 300 children on the list, on
 * PGlite and on PostgreSQL:
 * - read: `list.page`, as the Police channel taps through its copy;
 * - write: `list.acknowledge` for Police: the first of a round records it, the rest find it recorded
 *   (each still checks who may, reads what was acknowledged, audits nothing new and answers the card);
 *   the day's acknowledgements are cleared (and the list version moved) before each round;
 * against a bare bot in the same process: the same restify server and botbuilder adapter answering
 * the same invoke with the same card, rendered once (the page turn's invoke for the read, the
 * acknowledgement's, whose body carries the card's 300 keys, for the write), the two alternated in
 * BENCH_LOAD_ROUNDS (4) rounds. Reported: the medians of the rounds' p50, p99, requests a second,
 * the slowest answer of all rounds, the errors, and the median of the rounds' own ratios. `PGLITE_THREAD=worker` runs PGlite in a worker thread, as the service does with
 * that setting. Goal: read p99 ≤ 1.5×, write p99 ≤ 3× the bare bot, throughput ≥ 0.7×.
 */
import type autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import restify from 'restify';
import { ConfigurationBotFrameworkAuthentication, TeamsActivityHandler, type AdaptiveCardInvokeResponse } from 'botbuilder';
import pino from 'pino';
import { createAdapter, HuddleAdapter } from '../src/bot/adapter';
import { openPgliteInWorker, openPostgres } from '../src/store/db';
import { migrate } from '../src/store/migrate';
import { bumpListVersion } from '../src/store/postedCards';
import { startTestApp } from '../test/support/app';
import { linkTestChannel } from '../test/support/channels';
import { executeAction, POLICE_OFFICER, postActivity, startConnector } from '../test/support/connector';
import { createTestDatabase } from '../test/support/postgres';
import { seedMissing } from './seed';
import { driversFrom, runPerDriver } from './results';
import { middle } from './median';

const NOW = new Date('2026-06-09T08:00:00Z');
const CONNECTIONS = (process.env.BENCH_LOAD_CONNECTIONS ?? '10,50').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 20);
/** Each load is split into this many rounds, the bare bot's and the service's alternated. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_LOAD_ROUNDS ?? 4));
const DRIVERS = driversFrom('BENCH_LOAD_DRIVERS');
const BARE = process.env.BENCH_LOAD_BARE ?? 'stock';
if (BARE !== 'stock' && BARE !== 'kept') throw new Error(`BENCH_LOAD_BARE is stock (botbuilder's CloudAdapter as it comes, the default) or kept (the service's adapter), not ${BARE}`);
const BARE_KEEPS_CLIENTS = BARE === 'kept';
const execute = promisify(execFile);

interface Load {
  p50: number;
  p99: number;
  /** The slowest answer: a stall of the service's one thread shows here first. */
  max: number;
  rps: number;
  errors: number;
}

/**
 * autocannon in a process of its own (its CLI, JSON out): in this process it would take the event
 * loop from the bot it measures.
 */
async function load(url: string, body: unknown, connections: number, seconds = SECONDS): Promise<Load> {
  const dir = mkdtempSync(join(tmpdir(), 'huddle-load-'));
  try {
    const input = join(dir, 'body.json');
    writeFileSync(input, JSON.stringify(body));
    const cli = join(__dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');
    const { stdout } = await execute(process.execPath, [cli, '-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-i', input, `${url}/api/messages`], { maxBuffer: 16 << 20 });
    const result = JSON.parse(stdout) as autocannon.Result;
    return { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, rps: result.requests.average, errors: result.errors + result.timeouts + result.non2xx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The bare bot: botbuilder's CloudAdapter as it comes (its own authentication, which makes new
 * clients for every activity) on this service's server library, answering every card action with
 * `card`. Not the service's adapter: what the service keeps of botbuilder's work is the service's
 * own doing, measured against the framework's floor like the rest. BENCH_LOAD_BARE=kept gives the
 * bare bot the service's adapter instead (the clients kept too), to see how near the service is to
 * a bot doing nothing else with the same adapter.
 */
async function bareBot(card: unknown): Promise<{ url: string; close(): void }> {
  class Bare extends TeamsActivityHandler {
    protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card as Record<string, unknown> };
    }
  }
  const local = { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' as const, MicrosoftAppTenantId: '' };
  const adapter = BARE_KEEPS_CLIENTS ? createAdapter(local, pino({ level: 'silent' })) : new HuddleAdapter(new ConfigurationBotFrameworkAuthentication(local));
  const bot = new Bare();
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024 }));
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    const invoke = await adapter.receive(req.header('authorization') ?? '', req.body, (context) => bot.run(context));
    res.send(invoke?.status ?? 200, invoke?.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

interface Compared {
  base: Load;
  measured: Load;
  /** The medians of the rounds' own ratios (each round's service ÷ the bare bot just beside it). */
  throughput: number;
  p99: number;
}

/**
 * The bare bot and the service under the same load, in `ROUNDS` rounds of SECONDS ÷ ROUNDS each,
 * alternated (the bare bot first in one round, the service first in the next): measured one after
 * the other for the whole time, the bare bot's own rate moved by a fifth between runs on these
 * shared machines, and each ratio with it. `beforeService` runs before each of the service's rounds.
 */
async function compared(bareUrl: string, appUrl: string, body: unknown, connections: number, beforeService: () => Promise<void> = async () => undefined): Promise<Compared> {
  const seconds = SECONDS / ROUNDS;
  const bases: Load[] = [];
  const measured: Load[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const service = async () => {
      await beforeService();
      measured.push(await load(appUrl, body, connections, seconds));
    };
    const bare = async () => void bases.push(await load(bareUrl, body, connections, seconds));
    if (round % 2 === 0) {
      await bare();
      await service();
    } else {
      await service();
      await bare();
    }
  }
  const mid = (loads: Load[], pick: (one: Load) => number) => middle(loads.map(pick));
  const summary = (loads: Load[]): Load => ({ p50: mid(loads, (one) => one.p50), p99: mid(loads, (one) => one.p99), max: Math.max(...loads.map((one) => one.max)), rps: mid(loads, (one) => one.rps), errors: loads.reduce((sum, one) => sum + one.errors, 0) });
  return {
    base: summary(bases),
    measured: summary(measured),
    throughput: middle(measured.map((one, round) => one.rps / bases[round]!.rps)),
    p99: middle(measured.map((one, round) => one.p99 / Math.max(bases[round]!.p99, 0.1))),
  };
}

const bareLine = (label: string, base: Load) => `${label}: p50 ${base.p50.toFixed(1)} ms, p99 ${base.p99.toFixed(1)} ms, max ${base.max.toFixed(0)} ms, ${Math.round(base.rps).toLocaleString('en-GB')} req/s`;
const row = (label: string, { measured, throughput, p99 }: Compared) =>
  `${label.padEnd(44)} p50 ${measured.p50.toFixed(1).padStart(7)} ms  p99 ${measured.p99.toFixed(1).padStart(7)} ms  max ${measured.max.toFixed(0).padStart(4)} ms  ${Math.round(measured.rps).toLocaleString('en-GB').padStart(6)} req/s  ${String(measured.errors).padStart(3)} errors` +
  `   ÷ bare: p99 ${p99.toFixed(1)}×, throughput ${throughput.toFixed(2)}×`;

async function run(driver: string): Promise<void> {
  const connector = await startConnector();
  connector.respond = (call) => ({ status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } });
  // PGLITE_THREAD=worker: the embedded database in a worker thread, as the service then opens it.
  const db = driver === 'postgres' ? await openPostgres(await createTestDatabase(), { queryTimeoutMs: 30_000 }) : process.env.PGLITE_THREAD === 'worker' ? await openPgliteInWorker() : undefined;
  if (db) await migrate(db);
  const app = await startTestApp({ LOG_LEVEL: 'silent' }, () => NOW, { scheduler: false, ...(db ? { db } : {}) });
  try {
    await seedMissing(app.db, NOW);
    const police = '19:bench-police@thread.tacv2';
    await linkTestChannel(app.db, connector.url, police, 'police');
    await app.poster.runOnce();
    const target = { kind: 'daily_list', listDate: '2026-06-09', page: 0 };
    const read = executeAction(connector.url, 'list.page', target, { channel: police, from: POLICE_OFFICER });
    const answer = await postActivity(app.url, read);
    if (answer.body?.statusCode !== 200) throw new Error(`list.page was refused: ${JSON.stringify(answer.body).slice(0, 200)}`);
    const seen = (answer.body.value.actions as { verb: string; data: { seen: string[] } }[]).find((item) => item.verb === 'list.acknowledge')!.data.seen;
    const write = executeAction(connector.url, 'list.acknowledge', { ...target, seen }, { channel: police, from: POLICE_OFFICER });
    const bare = await bareBot(answer.body.value);
    try {
      for (const connections of CONNECTIONS) {
        console.log(`${driver}, ${connections} connections, ${SECONDS} s each in ${ROUNDS} rounds alternated with the bare bot (${BARE_KEEPS_CLIENTS ? "the service's adapter" : "botbuilder's CloudAdapter as it comes"}; medians; ratios: the median of the rounds' own)`);
        const pages = await compared(bare.url, app.url, read, connections);
        console.log(bareLine('  bare bot, the page turn\'s invoke', pages.base));
        console.log(row('  list.page (read)', pages));
        // The bare bot answering the acknowledgement's own invoke: its body carries the card's 300 keys.
        // Each of the service's rounds acknowledges afresh: the day's acknowledgements are cleared
        // before it, and the version moved as any change moves it (what was kept for the day is stale).
        const acknowledgements = await compared(bare.url, app.url, write, connections, async () => {
          await app.refresher.idle();
          await app.db.exec('delete from acknowledgements');
          await bumpListVersion(app.db, target.listDate);
        });
        console.log(bareLine('  bare bot, the acknowledgement\'s invoke', acknowledgements.base));
        console.log(row('  list.acknowledge (write, then repeats)', acknowledgements));
        await app.refresher.idle();
      }
    } finally {
      bare.close();
    }
  } finally {
    await app.stop();
    await connector.close();
  }
}

if (require.main === module) runPerDriver('load', DRIVERS, run);
