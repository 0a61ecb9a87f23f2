import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDomainError } from '../../src/domain/errors';
import { openPglite, openPgliteInWorker, type Database } from '../../src/store/db';
import { migrate } from '../../src/store/migrate';

describe('PGlite in a worker thread (what npm run import opens)', function () {
  this.timeout(60_000);
  let db: Database;
  before(async () => {
    db = await openPgliteInWorker();
    await db.exec('create table kv (k text primary key, v int not null)');
  });
  beforeEach(() => db.exec('truncate kv'));
  after(() => db?.close());

  it('answers statements with their rows, dates and arrays as the driver in this thread does', async () => {
    const [row] = await db.query<{ n: number; at: Date; list: string[] }>(`select $1::int as n, '2026-05-01T10:00:00Z'::timestamptz as at, array['a','b'] as list`, [7]);
    assert.deepEqual(row, { n: 7, at: new Date('2026-05-01T10:00:00Z'), list: ['a', 'b'] });
  });

  it('keeps the order of statements sent inside a transaction without waiting for their answers', async () => {
    const seen = await db.transaction(async (tx) => {
      const writes = [1, 2, 3].map((v) => tx.query('insert into kv (k, v) values ($1, $2)', [`k${v}`, v]));
      const read = tx.query<{ total: number }>('select coalesce(sum(v), 0)::int as total from kv');
      const copy = tx.copyFrom!('kv (k, v)', 'k4\t4\n');
      const after = tx.query<{ total: number }>('select sum(v)::int as total from kv');
      await Promise.all([...writes, copy]);
      return [(await read)[0]!.total, (await after)[0]!.total];
    });
    assert.deepEqual(seen, [6, 10], 'each read saw exactly the writes sent before it');
  });

  it('rolls a failed transaction back whole and reports a unique clash as the conflict it is', async () => {
    await db.query(`insert into kv (k, v) values ('taken', 1)`);
    const failed = await db
      .transaction(async (tx) => {
        await tx.query(`insert into kv (k, v) values ('new', 2)`);
        await tx.query(`insert into kv (k, v) values ('taken', 3)`);
      })
      .catch((error: unknown) => error);
    assert.ok(isDomainError(failed) && failed.code === 'conflict', `a conflict, not ${String(failed)}`);
    assert.deepEqual(await db.query('select k, v from kv order by k'), [{ k: 'taken', v: 1 }], 'the first insert was rolled back with the second');
  });

  it('keeps the driver\'s fields on an error outside a transaction (code, constraint)', async () => {
    await db.query(`insert into kv (k, v) values ('x', 1)`);
    const error = (await db.query(`insert into kv (k, v) values ('x', 2)`).catch((caught: unknown) => caught)) as { code?: string; constraint?: string; message: string };
    assert.deepEqual([error.code, error.constraint], ['23505', 'kv_pkey']);
    assert.match(error.message, /duplicate key value/);
  });

  it('delivers a notification at the commit that sent it, and stops when told', async () => {
    const heard: string[] = [];
    let live = false;
    const stop = await db.listen('worker_test', { notified: (payload) => heard.push(payload), live: (hearing) => (live = hearing) });
    assert.equal(live, true);
    await db.transaction(async (tx) => {
      await tx.query(`select pg_notify('worker_test', 'one')`);
      assert.deepEqual(heard, [], 'nothing before the commit');
    });
    await db.query(`select pg_notify('worker_test', 'two')`);
    await db.query('select 1'); // a round trip after the second: its notification has arrived by now
    assert.deepEqual(heard, ['one', 'two']);
    await stop();
    await db.query(`select pg_notify('worker_test', 'three')`);
    await db.query('select 1');
    assert.deepEqual(heard, ['one', 'two'], 'nothing after stopping');
  });
});

describe('PGlite in a worker thread on a data directory', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'huddle-worker-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, migrates and writes a directory that the service opens as its own afterwards; once closed it refuses plainly', async () => {
    const worker = await openPgliteInWorker(join(dir, 'data'));
    await migrate(worker);
    await worker.query(`insert into children (id, ref, given_name, family_name, looked_after) values ('00000000-0000-4000-8000-000000000001', 'WRK-1', 'Ada', 'Sample', false)`);
    await worker.close();
    await assert.rejects(worker.query('select 1'), /worker exited|closed/i, 'a closed database says so');
    const service = await openPglite(join(dir, 'data'));
    try {
      assert.deepEqual(await service.query('select ref from children'), [{ ref: 'WRK-1' }]);
    } finally {
      await service.close();
    }
  });
});
