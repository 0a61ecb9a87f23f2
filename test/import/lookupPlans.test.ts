import assert from 'node:assert/strict';
import { BY_INDEX, importEpisodesCsv } from '../../src/import/importer';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import type { Database, Queryable } from '../../src/store/db';
import * as repo from '../../src/store/repositories';
import { forEachDriver } from '../support/databases';
import { context } from '../support/recording';

/**
 * An import's batch asks for a thousand children, episodes and RHIs by key at once. With history
 * growing inside its transaction (so never analysed: the planner knows the tables' sizes, not what
 * is in them), the planner read `children`, `episodes` and `return_interviews` whole for every
 * batch, and later, with the sequential scans refused, joined a batch's children to every episode
 * through a whole index (a hash join on PGlite, a parallel scan of the children on PostgreSQL): a
 * million-row import spent three quarters of its time there. The import's transaction plans by
 * index, each lookup a probe per key.
 */
const HISTORY = 20_000;
/** Episodes of each child in the history, as a council's years of returns give them. */
const EPISODES_EACH = 4;
const KEYS = 1_000;

/** Each lookup's statement as the repository sends it, with its parameters (nothing is run). */
async function lookupStatements(): Promise<[string, unknown[]][]> {
  const asked: [string, unknown[]][] = [];
  const recording: Queryable = {
    query: async <T>(sql: string | { text: string }, params: unknown[] = []) => (asked.push([typeof sql === 'string' ? sql : sql.text, params]), [] as T[]),
    exec: async () => undefined,
  };
  const refs = Array.from({ length: KEYS }, (_, index) => `PLAN-${index + 1}`);
  await repo.lockChildrenByRef(recording, refs);
  await repo.episodeSpansOfChildRefsOrPoliceRefs(recording, refs, refs.map((ref) => `POL-${ref}`));
  await repo.rhisByExternalRef(recording, refs.map((ref) => `RHI-${ref}`));
  assert.equal(asked.length, 3);
  return asked;
}

/**
 * What each statement reads whole, from its plan: a sequential scan, or an index scanned from end to
 * end (no `Index Cond`: the planner's way round a refused sequential scan).
 */
async function readWhole(tx: Queryable): Promise<string[]> {
  const whole: string[] = [];
  for (const [sql, params] of await lookupStatements()) {
    const plan = (await tx.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params)).map((row) => row['QUERY PLAN']);
    plan.forEach((line, at) => {
      const seq = /Seq Scan on (\w+)/.exec(line);
      if (seq) whole.push(seq[1]!);
      const index = /(?:Index Scan|Index Only Scan|Bitmap Index Scan) (?:using )?(?:on )?(\w+)/.exec(line);
      if (!index) return;
      // The node's own details run to the next node.
      const next = plan.findIndex((other, after) => after > at && other.includes('->'));
      const details = plan.slice(at + 1, next === -1 ? plan.length : next);
      if (!details.some((detail) => detail.includes('Index Cond:'))) whole.push(`all of ${index[1]}`);
    });
  }
  return whole;
}

/** Invented children, each with its episodes and an RHI, made by the database in three statements. */
async function makeHistory(tx: Queryable): Promise<void> {
  await tx.exec(`
    insert into children (id, ref, given_name, family_name, date_of_birth)
      select gen_random_uuid(), 'PLAN-' || i, 'Plan', 'Synthetic', date '2012-01-01' from generate_series(1, ${HISTORY}) i;
    insert into episodes (id, child_id, kind, reported_at, returned_at, police_ref, source)
      select gen_random_uuid(), id, 'missing_from_home', timestamptz '2019-01-01' + (n * 30 || ' days')::interval + (ref_number || ' minutes')::interval,
             timestamptz '2019-01-02' + (n * 30 || ' days')::interval + (ref_number || ' minutes')::interval, 'POL-' || ref || '-' || n, 'test'
        from (select id, ref, substr(ref, 6)::int as ref_number from children where ref like 'PLAN-%') c, generate_series(1, ${EPISODES_EACH}) n;
    insert into return_interviews (id, child_id, external_ref) select gen_random_uuid(), id, 'RHI-' || ref from children where ref like 'PLAN-%';
  `);
}

forEachDriver('an import\'s lookups over a long history', (db) => {
  it('probe the indexes key by key under the import\'s planning, where the default plan reads tables whole', async function () {
    this.timeout(60_000);
    await db().transaction(async (tx) => {
      // Made in the transaction that plans, as an import's own rows are: no statistics.
      await makeHistory(tx);
      // The reason for the setting: here the planner's own choice reads at least one table whole.
      assert.notDeepEqual(await readWhole(tx), [], 'the default plan probes every index already: this test shows nothing');
      await tx.exec(BY_INDEX);
      assert.deepEqual(await readWhole(tx), [], 'each lookup probes its index');
    });
  });

  it('is how an import\'s transaction plans, from before its first lookup', async function () {
    this.timeout(60_000);
    const order: string[] = [];
    const watching = (tx: Queryable): Queryable => ({
      ...tx,
      exec: (sql: string) => (order.push(sql === BY_INDEX ? 'by index' : sql.slice(0, 20)), tx.exec(sql)),
      query: (sql: string | { text: string }, params?: unknown[]) => {
        const text = typeof sql === 'string' ? sql : sql.text;
        if (/from children where ref = any/.test(text)) order.push('lookup');
        return tx.query(sql as string, params);
      },
    });
    const wrapped: Database = { ...db(), transaction: (work) => db().transaction((tx) => work(watching(tx))) };
    const row = 'PLAN-NEW-1,Kit,Example,2012-01-02,N,,home,2026-05-01T10:00,2026-05-01T12:00,low,POL-PLAN-NEW-1,,,,';
    const summary = await importEpisodesCsv(wrapped, `${NATIVE_COLUMNS.join(',')}\n${row}\n`, context(), { skipInvalid: false, timeZone: 'Europe/London' });
    assert.equal(summary.created, 1);
    assert.equal(order.indexOf('by index'), 0, `planned by index first: ${order.join(', ')}`);
    assert.ok(order.indexOf('lookup') > 0, `a lookup after it: ${order.join(', ')}`);
  });
}, { worker: true });
