import assert from 'node:assert/strict';
import { openPostgres } from '../../src/store/db';
import { API_KEY, call, startTestApp } from '../support/app';
import { linkTestChannel } from '../support/channels';
import { executeAction, postActivity, POLICE_OFFICER, startConnector, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { waitFor } from '../support/ports';
import { startPostgresServer, type PostgresServer } from '../support/postgres';

/**
 * The database stopped and frozen under a running service (issue 8, item 8): answers come back
 * while the outage lasts (503, Retry-After, an error card), and the service recovers without a
 * restart. "While it lasts" is checked against the outage itself, not against a clock.
 */

const NOW = at('2026-06-09T08:00:00Z');
const POLICE = '19:police@thread.tacv2';

describe('PostgreSQL stopped and frozen under the service', function () {
  this.timeout(90_000);
  let server: PostgresServer;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  const episode = (ref: string) => ({ child: { ref, lookedAfter: false }, kind: 'missing_from_home', reportedAt: '2026-06-09T06:00:00Z' });

  before(async () => {
    server = await startPostgresServer();
    connector = await startConnector();
    const db = await openPostgres(await server.createDatabase(), { queryTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    app = await startTestApp({}, () => NOW, { db });
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await app.poster.runOnce();
  });
  after(async () => {
    server?.thaw();
    await app?.stop();
    await connector?.close();
    await server?.destroy();
  });

  /** Runs `work` during an outage and answers what it got and whether the outage was still on. */
  async function during<T>(outage: { begin(): Promise<void> | void; end(): Promise<void> | void }, work: () => Promise<T>): Promise<{ result: T; answeredDuringOutage: boolean }> {
    let on = true;
    await outage.begin();
    const safety = setTimeout(() => void Promise.resolve(outage.end()).then(() => (on = false)), 20_000);
    try {
      const result = await work();
      return { result, answeredDuringOutage: on };
    } finally {
      clearTimeout(safety);
      if (on) {
        on = false;
        await outage.end();
      }
    }
  }

  const recovered = () =>
    waitFor('the service to recover', async () => {
      if ((await call(`${app.url}/healthz`, { key: null })).status !== 200) throw new Error('not yet');
      return true;
    });

  it('answers 503 with Retry-After while the database is frozen, and recovers when it thaws', async () => {
    const { result, answeredDuringOutage } = await during({ begin: () => server.freeze(), end: () => server.thaw() }, async () => ({
      health: await call(`${app.url}/healthz`, { key: null }),
      write: await call(`${app.url}/api/v1/episodes`, { body: episode('FZ-1'), key: API_KEY }),
    }));
    assert.ok(answeredDuringOutage, 'answered while frozen, not after the thaw');
    assert.deepEqual([result.health.status, result.health.body.status], [503, 'unavailable']);
    assert.equal(result.write.status, 503, JSON.stringify(result.write.body));
    assert.equal(result.write.headers.get('retry-after'), '5');
    assert.match(result.write.body.error, /database is not answering/);
    await recovered();
    assert.equal((await call(`${app.url}/api/v1/episodes`, { body: episode('FZ-1'), key: API_KEY })).status, 201, 'the same request succeeds after');
  });

  it('answers 503, and a card action an error card without a word into the channel, while the database is stopped; recovers when it starts', async () => {
    connector.calls.length = 0;
    const { result, answeredDuringOutage } = await during({ begin: () => server.stop(), end: () => server.start() }, async () => ({
      health: await call(`${app.url}/healthz`, { key: null }),
      write: await call(`${app.url}/api/v1/episodes`, { body: episode('ST-1'), key: API_KEY }),
      card: await postActivity(app.url, executeAction(connector.url, 'list.acknowledge', { kind: 'daily_list', listDate: '2026-06-09', page: 0 }, { channel: POLICE, from: POLICE_OFFICER })),
    }));
    assert.ok(answeredDuringOutage);
    assert.equal(result.health.status, 503);
    assert.equal(result.write.status, 503);
    assert.deepEqual([result.card.body.statusCode, result.card.body.type], [503, 'application/vnd.microsoft.error']);
    assert.match(result.card.body.value.message, /database is not answering just now, so nothing was changed/);
    assert.equal(connector.calls.filter((call) => call.method === 'POST').length, 0, 'no apology posted into the channel');
    await recovered();
    const card = await postActivity(app.url, executeAction(connector.url, 'list.acknowledge', { kind: 'daily_list', listDate: '2026-06-09', page: 0 }, { channel: POLICE, from: POLICE_OFFICER }));
    assert.equal(card.body.statusCode, 200, 'the same tap works after, without a restart');
  });
});
