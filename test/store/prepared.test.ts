import assert from 'node:assert/strict';
import { prepared, type Queryable } from '../../src/store/db';
import { forEachDriver } from '../support/databases';

// Names of their own: a name is one text for the whole process (`prepared` refuses a second).
const INSERT = prepared('test.prepared_insert', 'insert into prepared_kv (k, v) values ($1, $2) returning k, v');
const SUM = prepared('test.prepared_sum', 'select coalesce(sum(v), 0)::int as total, count(*)::int as rows from prepared_kv where k like $1');
const BROKEN = prepared('test.prepared_broken', 'selec 1');
const WIDE = prepared('test.prepared_wide', 'select * from prepared_wide');

/** Whether this connection holds a server-side statement of that name (PGlite has one connection; on PostgreSQL, ask inside a transaction). */
async function holds(db: Queryable, name: string): Promise<boolean> {
  return (await db.query(`select 1 from pg_prepared_statements where name = $1`, [name])).length === 1;
}

describe('prepared statements: declared once', () => {
  it('refuses a second text under a name, and a name that is not lower-case words', () => {
    assert.equal(prepared(INSERT.name, INSERT.text).name, INSERT.name, 'the same text again is the same statement');
    assert.throws(() => prepared(INSERT.name, 'select 1'), /two prepared statements are named test\.prepared_insert/);
    assert.throws(() => prepared('Bad Name', 'select 1'), /lower-case letters/);
  });
});

/** A statement a card tap asks is parsed once per connection; its answers are a text statement's. */
forEachDriver(
  'prepared statements',
  (db, driver) => {
    before(async () => {
      await db().exec('create table if not exists prepared_kv (k text primary key, v int not null); create table if not exists prepared_wide (a int)');
    });
    beforeEach(() => db().exec('truncate prepared_kv, prepared_wide'));

    it('answers as the same text does, parsed once and held by the connection under its name', async () => {
      assert.deepEqual(await db().query(INSERT, ['a', 1]), [{ k: 'a', v: 1 }]);
      assert.deepEqual(await db().query(INSERT, ['b', 2]), [{ k: 'b', v: 2 }]);
      assert.deepEqual(await db().query(SUM, ['%']), await db().query(SUM.text, ['%']));
      assert.deepEqual(await db().query(SUM, ['a%']), [{ total: 1, rows: 1 }]);
      await db().transaction(async (tx) => {
        await tx.query(INSERT, ['c', 3]);
        assert.deepEqual(await tx.query(SUM, ['%']), [{ total: 6, rows: 3 }], 'inside a transaction, on its connection');
        if (driver === 'postgres') await tx.query(SUM, ['%']); // this connection has now parsed it
        assert.equal(await holds(tx, SUM.name), true, 'the server holds it by name');
      });
    });

    it('a call that fails after its statement was parsed leaves the statement usable', async () => {
      await db().query(INSERT, ['a', 1]);
      await assert.rejects(db().query(INSERT, ['a', 2]), /duplicate key|unique/i);
      await assert.rejects(db().query(INSERT, ['n', null]), /null value|not-null/i);
      assert.deepEqual(await db().query(INSERT, ['b', 2]), [{ k: 'b', v: 2 }]);
      await db().transaction(async (tx) => {
        // A failure inside a transaction (on PostgreSQL, maybe this connection's first use of it).
        await assert.rejects(tx.query(INSERT, ['a', 9]), /duplicate key|unique/i);
      }).catch(() => undefined);
      assert.deepEqual(await db().query(SUM, ['%']), [{ total: 3, rows: 2 }], 'nothing from the failed calls was stored');
    });

    it('a statement that does not parse refuses with the parser error every time, and leaves the connection working', async () => {
      await assert.rejects(db().query(BROKEN), /syntax error/);
      await assert.rejects(db().query(BROKEN), /syntax error/, 'not "does not exist": it is parsed again');
      assert.deepEqual(await db().query(SUM, ['%']), [{ total: 0, rows: 0 }]);
    });

    if (driver !== 'postgres') {
      it('a statement whose result changed shape under it (a migration) is parsed again, not refused from then on', async () => {
        assert.deepEqual(await db().query(WIDE), []);
        await db().exec('alter table prepared_wide add column b int; insert into prepared_wide values (1, 2)');
        // PostgreSQL refuses the held plan once ("cached plan must not change result type").
        await db().query(WIDE).catch((error: Error) => assert.match(error.message, /cached plan must not change result type/));
        assert.deepEqual(await db().query(WIDE), [{ a: 1, b: 2 }]);
        await db().exec('alter table prepared_wide drop column b');
      });
    }
  },
  { worker: true },
);
