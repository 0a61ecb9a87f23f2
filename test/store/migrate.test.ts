import assert from 'node:assert/strict';
import type { Database } from '../../src/store/db';
import { loadMigrations, migrate, type Migration } from '../../src/store/migrate';
import { forEachDriver } from '../support/databases';

/** The database with every statement and transaction it is asked for written down. */
function watched(db: Database): { db: Database; statements: string[]; transactions: number } {
  const seen = { statements: [] as string[], transactions: 0 };
  const proxy: Database = Object.create(db) as Database;
  proxy.query = (sql, params) => {
    seen.statements.push(typeof sql === 'string' ? sql : sql.text);
    return db.query(sql, params);
  };
  proxy.transaction = (work) => {
    seen.transactions++;
    return db.transaction((tx) =>
      work({
        ...tx,
        query: (sql, params) => {
          seen.statements.push(typeof sql === 'string' ? sql : sql.text);
          return tx.query(sql, params);
        },
      }),
    );
  };
  return { db: proxy, get statements() { return seen.statements; }, get transactions() { return seen.transactions; } };
}

forEachDriver('migrations', (db) => {
  it('on a start with every migration applied (every restart), asks once which are, in no transaction and under no lock', async () => {
    const watch = watched(db());
    assert.deepEqual(await migrate(watch.db), []);
    assert.equal(watch.transactions, 0, 'no transaction');
    assert.equal(watch.statements.some((sql) => /advisory/.test(sql)), false, 'no lock');
    assert.equal(watch.statements.length, 2, watch.statements.join('\n'));
  });

  it('applies a migration not yet applied, under the lock, once, and answers its version', async () => {
    const probe: Migration = { version: 999, name: '999_probe', sql: 'create table migrate_probe (note text)' };
    try {
      const watch = watched(db());
      assert.deepEqual(await migrate(watch.db, [...loadMigrations(), probe]), [999]);
      assert.ok(watch.statements.some((sql) => /pg_advisory_xact_lock/.test(sql)), 'under the lock');
      await db().exec("insert into migrate_probe values ('made by the new migration')");
      assert.deepEqual(await migrate(db(), [...loadMigrations(), probe]), [], 'not again');
      const [row] = await db().query<{ count: number }>('select count(*)::int as count from schema_migrations where version = 999');
      assert.equal(row!.count, 1);
    } finally {
      await db().exec('drop table if exists migrate_probe; delete from schema_migrations where version = 999');
    }
  });
});
