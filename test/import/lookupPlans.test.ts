import assert from 'node:assert/strict';
import { BY_INDEX, importEpisodesCsv } from '../../src/import/importer';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import type { Database, Queryable } from '../../src/store/db';
import * as repo from '../../src/store/repositories';
import { forEachDriver } from '../support/databases';
import { context } from '../support/recording';

/**
 * An import's batch asks for a thousand children, episodes and RHIs by key at once. With history
 * growing inside its transaction, the planner read `children`, `episodes` and `return_interviews`
 * whole for every batch (so an import slowed as it went); the import's transaction plans by index.
 */
const HISTORY = 20_000;
const KEYS = 1_000;

/** Each lookup's statement as the repository sends it, with its parameters (nothing is run). */
async function lookupStatements(): Promise<[string, unknown[]][]> {
  const asked: [string, unknown[]][] = [];
  const recording: Queryable = {
    query: async <T>(sql: string | { text: string }, params: unknown[] = []) => (asked.push([typeof sql === 'string' ? sql : sql.text, params]), [] as T[]),
    exec: async () => undefined,
  };
  const refs = Array.from({ length: KEYS }, (_, index) => `PLAN-NEW-${index}`);
  await repo.lockChildrenByRef(recording, refs);
  await repo.episodeSpansOfChildRefsOrPoliceRefs(recording, refs, refs.map((ref) => `POL-${ref}`));
  await repo.rhisByExternalRef(recording, refs.map((ref) => `RHI-${ref}`));
  assert.equal(asked.length, 3);
  return asked;
}

/** The tables each statement reads whole, from its plan. */
async function readWhole(tx: Queryable): Promise<string[]> {
  const whole: string[] = [];
  for (const [sql, params] of await lookupStatements()) {
    const plan = await tx.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params);
    for (const { 'QUERY PLAN': line } of plan) {
      const table = /Seq Scan on (\w+)/.exec(line)?.[1];
      if (table) whole.push(table);
    }
  }
  return whole;
}

forEachDriver('an import\'s lookups over a long history', (db) => {
  beforeEach(async function () {
    this.timeout(60_000);
    // Invented children, each with an episode and an RHI: made by the database in three statements.
    await db().exec(`
      insert into children (id, ref, given_name, family_name, date_of_birth)
        select gen_random_uuid(), 'PLAN-' || i, 'Plan', 'Synthetic', date '2012-01-01' from generate_series(1, ${HISTORY}) i;
      insert into episodes (id, child_id, kind, reported_at, returned_at, police_ref, source)
        select gen_random_uuid(), id, 'missing_from_home', timestamptz '2019-01-01' + (ref_number || ' minutes')::interval, timestamptz '2019-01-02' + (ref_number || ' minutes')::interval, 'POL-' || ref, 'test'
          from (select id, ref, substr(ref, 6)::int as ref_number from children where ref like 'PLAN-%') c;
      insert into return_interviews (id, child_id, external_ref) select gen_random_uuid(), id, 'RHI-' || ref from children where ref like 'PLAN-%';
    `);
  });

  it('probe the indexes under the import\'s planning, where the default plan reads tables whole', async function () {
    this.timeout(60_000);
    await db().transaction(async (tx) => {
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
