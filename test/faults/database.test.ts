import assert from 'node:assert/strict';
import { DatabaseUnavailable, openPostgres, type Database } from '../../src/store/db';
import { openTestDatabase } from '../support/databases';
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

/**
 * A connection lost while a request holds it (a backend terminated by an administrator, a failover):
 * node-postgres reports it as an `error` event on the client, which nobody heard while the client was
 * out of the pool, and an unheard `error` event ends the process. Before, each of these cases ended
 * the test run with "Uncaught Error: Connection terminated unexpectedly".
 */
describe('PostgreSQL connection lost in the middle of a transaction', function () {
  this.timeout(30_000);
  let db: Database;
  before(async () => {
    db = await openTestDatabase('postgres');
  });
  after(async () => db?.close());

  const backend = (tx: Pick<Database, 'query'>) => tx.query<{ pid: number }>('select pg_backend_pid() as pid').then((rows) => rows[0]!.pid);
  const terminate = (pid: number) => db.query<{ done: boolean }>('select pg_terminate_backend($1) as done', [pid]).then((rows) => assert.ok(rows[0]!.done, 'the backend was terminated'));
  const gone = (pid: number) =>
    waitFor('the terminated backend to leave', async () => {
      if ((await db.query('select 1 from pg_stat_activity where pid = $1', [pid])).length) throw new Error('still there');
      return true;
    });

  it('fails the transaction as "not answering" when its connection is terminated between statements, and keeps serving', async () => {
    let held = 0;
    const failed = await db
      .transaction(async (tx) => {
        held = await backend(tx);
        await tx.query("insert into children (id, ref) values (gen_random_uuid(), 'LOST-1')");
        await terminate(held);
        await gone(held);
        return tx.query('select 1');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(failed instanceof DatabaseUnavailable, `refused as unavailable, got ${String(failed)}`);
    assert.match(failed.message, /The database is not answering/);
    assert.doesNotMatch(failed.message, /not answering \(The database/, 'said once, not wrapped again by the transaction');
    assert.deepEqual(await db.query("select 1 from children where ref = 'LOST-1'"), [], 'nothing of the transaction was kept');
    assert.notEqual(await db.transaction(backend), held, 'the next transaction has a connection of its own');
  });

  it('fails a statement that was running when its connection was terminated, and keeps serving', async () => {
    let held = 0;
    const failed = await db
      .transaction(async (tx) => {
        held = await backend(tx);
        const running = tx.query('select pg_sleep(20)');
        await waitFor('the statement to run', async () => {
          if (!(await db.query("select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'", [held])).length) throw new Error('not yet');
          return true;
        });
        await terminate(held);
        return running;
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(failed instanceof DatabaseUnavailable, `refused as unavailable, got ${String(failed)}`);
    await gone(held);
    assert.deepEqual(await db.query<{ one: number }>('select 1 as one'), [{ one: 1 }]);
    assert.notEqual(await db.transaction(backend), held);
  });
});
