import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { migrate } from '../../src/store/migrate';
import { openPostgres, type Database } from '../../src/store/db';
import { postedCardsOn } from '../../src/store/postedCards';
import { linkTestChannel } from '../support/channels';
import { postActivity, startConnector, teamsMessage, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { graphEnv, startGraphFake, type GraphFake } from '../support/graphFake';
import { ROOT } from '../support/playground';
import { createTestDatabase } from '../support/postgres';
import { waitFor } from '../support/ports';

/**
 * The service as real processes on one PostgreSQL (issue 8, item 9 and the fault tests): killed
 * with SIGKILL in the middle of the daily fan-out, two started at the post time, stopped with
 * SIGTERM while a request is in flight.
 */

const TUESDAY_0910 = '2026-11-24T09:10:00Z';
const CHANNELS = Array.from({ length: 8 }, (_, index) => `19:channel-${index}@thread.tacv2`);
const AGENCIES = ['police', 'health', 'education', 'social-care', 'youth-justice', 'management', 'missing-team', 'police'] as const;

interface Service {
  process: ChildProcess;
  output: string;
  port: Promise<number>;
  exited: Promise<number | null>;
}

function startService(env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', join(ROOT, 'test', 'support', 'serviceMain.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DEMO_DATA: 'false', LOG_LEVEL: 'warn', TEST_NOW: TUESDAY_0910, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = {
    process: child,
    output: '',
    port: new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        service.output += chunk;
        const match = /listening (\d+)/.exec(service.output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening:\n${service.output}`)));
    }),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stderr!.on('data', (chunk) => (service.output += chunk));
  service.port.catch(() => undefined);
  return service;
}

/** Daily-list posts the connector received, per channel. */
const postsPerChannel = (connector: ConnectorStub) => {
  const counts = new Map<string, number>();
  for (const call of connector.calls) {
    const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(call.path);
    if (call.method === 'POST' && match && JSON.stringify(call.body).includes('Daily missing list')) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
  }
  return counts;
};

describe('the service as processes on one PostgreSQL', function () {
  this.timeout(120_000);
  let databaseUrl: string;
  let db: Database;
  let connector: ConnectorStub;
  let graph: GraphFake;
  const services: Service[] = [];
  const start = (env: Record<string, string> = {}) => {
    const service = startService({ DATABASE_URL: databaseUrl, ...env });
    services.push(service);
    return service;
  };

  beforeEach(async () => {
    databaseUrl = await createTestDatabase();
    db = await openPostgres(databaseUrl);
    await migrate(db);
    connector = await startConnector();
    graph = await startGraphFake();
    for (const [index, conversation] of CHANNELS.entries()) await linkTestChannel(db, connector.url, conversation, AGENCIES[index]!);
  });
  afterEach(async () => {
    for (const service of services.splice(0)) if (service.process.exitCode === null && service.process.signalCode === null) service.process.kill('SIGKILL');
    await db.close();
    await connector.close();
    await graph.close();
  });

  const allSent = () =>
    waitFor('every channel’s post to be recorded as sent', async () => {
      const posts = (await postedCardsOn(db, '2026-11-24')).filter((post) => post.scheduled);
      return posts.length === CHANNELS.length && posts.every((post) => post.status === 'sent') ? posts : undefined;
    }, 60_000);

  it('after a kill -9 in the middle of the fan-out, ends with exactly one card in every channel, confirming the ones that landed through Graph', async () => {
    // The connector answers three posts, then takes the next ones in (they land) and never answers.
    let answered = 0;
    const held: ConnectorCall[] = [];
    connector.respond = (call) => {
      if (call.method !== 'POST') return { status: 200, body: {} };
      if (answered < 3) return { status: 201, body: { id: `activity-${++answered}` } };
      held.push(call);
      return { status: 201, body: { id: 'never-seen' }, hold: true };
    };
    // Graph shows each channel's messages as the connector received them.
    graph.channelMessages = (_team, channel) =>
      connector.calls
        .filter((call) => call.method === 'POST' && call.path.startsWith(`/v3/conversations/${channel}/activities`))
        .map((call, index) => ({ id: `graph-${channel}-${index}`, attachments: (call.body.attachments ?? []).map((attachment: { contentType: string; content: unknown }) => ({ contentType: attachment.contentType, content: JSON.stringify(attachment.content) })) }))
        .reverse();
    const first = start(graphEnv(graph));
    await waitFor('the first service to be in the middle of its fan-out', async () => (held.length >= 2 ? true : undefined), 60_000);
    first.process.kill('SIGKILL');
    await first.exited;
    const landed = new Map(postsPerChannel(connector));
    assert.ok([...landed.values()].reduce((sum, count) => sum + count, 0) >= 5, 'three answered and at least two landed unanswered');

    // A restart after the stale-claim lease: it must post to the rest, and confirm (not repeat) the unanswered ones.
    connector.respond = (call) => (call.method === 'POST' ? { status: 201, body: { id: `activity-${++answered}` } } : { status: 200, body: {} });
    const second = start({ ...graphEnv(graph), TEST_NOW: '2026-11-24T09:11:00Z', TEST_STALE_AFTER_MS: '30000' });
    const posts = await allSent();
    const counts = postsPerChannel(connector);
    assert.deepEqual(CHANNELS.map((channel) => [channel, counts.get(channel) ?? 0]), CHANNELS.map((channel) => [channel, 1]), 'exactly one card in every channel');
    assert.ok(posts.every((post) => !post.possibleDuplicate));
    const confirmed = posts.filter((post) => post.activityId?.startsWith('graph-'));
    assert.equal(confirmed.length, held.length, 'each post that landed unanswered was confirmed through Graph, not sent again');
    assert.deepEqual(graph.problems, []);
    second.process.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('without Graph, posts an unconfirmed card again and says the channel may show two', async () => {
    let answered = 0;
    connector.respond = (call) => {
      if (call.method !== 'POST') return { status: 200, body: {} };
      if (answered < 1) return { status: 201, body: { id: `activity-${++answered}` } };
      return { status: 201, body: {}, hold: true };
    };
    const first = start();
    await waitFor('the first service to be in the middle of its fan-out', async () => (connector.calls.filter((call) => call.method === 'POST').length >= 3 ? true : undefined), 60_000);
    first.process.kill('SIGKILL');
    await first.exited;
    connector.respond = (call) => (call.method === 'POST' ? { status: 201, body: { id: `activity-${++answered}` } } : { status: 200, body: {} });
    start({ TEST_NOW: '2026-11-24T09:11:00Z', TEST_STALE_AFTER_MS: '30000' });
    const posts = await allSent();
    assert.ok(posts.some((post) => post.possibleDuplicate), 'the unconfirmed ones are flagged');
    assert.ok(Math.max(...postsPerChannel(connector).values()) <= 2);
  });

  it('posts once per channel when two processes start at the post time', async () => {
    connector.respond = (call) => (call.method === 'POST' ? { status: 201, body: { id: `activity-${connector.calls.length}` } } : { status: 200, body: {} });
    start();
    start();
    await allSent();
    assert.deepEqual([...postsPerChannel(connector).values()], CHANNELS.map(() => 1));
  });

  it('on SIGTERM finishes the request in flight, answers it, and exits 0', async () => {
    let replyArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (replyArrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    connector.respond = (call) => {
      if (call.method === 'POST' && JSON.stringify(call.body).includes('What you can ask me')) {
        replyArrived();
        return { status: 201, body: { id: 'reply' }, until: released };
      }
      return { status: 201, body: { id: `activity-${connector.calls.length}` } };
    };
    const service = start({ BANK_HOLIDAY_REGION: 'none', TEST_NOW: '2026-11-22T09:10:00Z' }); // a Sunday: no fan-out
    const port = await service.port;
    const request = postActivity(`http://127.0.0.1:${port}`, teamsMessage(connector.url, 'help'));
    await arrived; // the bot is inside the turn, waiting for its reply to be taken
    service.process.kill('SIGTERM');
    release();
    const answer = await request;
    assert.equal(answer.status, 200, 'the request in flight was answered, not cut');
    const code = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))]);
    assert.equal(code, 0, service.output);
  });
});
