import assert from 'node:assert/strict';
import { assertOwnReferences, importEpisodesCsv, type OwnRows } from '../../src/import/importer';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import type { Database, Queryable } from '../../src/store/db';
import { forEachDriver } from '../support/databases';
import { context } from '../support/recording';

/**
 * An import's batch writes its own new rows with the database's per-row foreign-key triggers off
 * where the connection may (a superuser), having checked their references itself against what the
 * batch looked up and made; everything else in its transaction keeps the triggers.
 */
const HEADER = [...NATIVE_COLUMNS, 'rhi_provider'].join(',');
const options = { skipInvalid: false, timeZone: 'Europe/London' };

function rows(overrides: Partial<OwnRows> = {}): OwnRows {
  return {
    childIds: ['child-known', 'child-new'],
    fresh: [
      { episode: { id: 'episode-1', childId: 'child-known' }, history: [{ episodeId: 'episode-1' }] },
      { episode: { id: 'episode-2', childId: 'child-new' }, history: [] },
    ],
    rhis: [{ rhi: { childId: 'child-new', episodeIds: ['episode-1', 'episode-2'] } }],
    ...overrides,
  };
}

describe('an import batch\'s own references', () => {
  it('pass when every one names a child the batch knew or made and an episode it made', () => {
    assert.doesNotThrow(() => assertOwnReferences(rows()));
  });

  it('fail, naming the fault, for an episode of a child the batch neither looked up nor made', () => {
    const fresh = [{ episode: { id: 'episode-1', childId: 'child-elsewhere' }, history: [] }];
    assert.throws(() => assertOwnReferences(rows({ fresh, rhis: [] })), /a new episode names a child the batch did not look up or make, child-elsewhere\): this batch's rows were not written/);
  });

  it('fail for history written against another episode', () => {
    const fresh = [{ episode: { id: 'episode-1', childId: 'child-known' }, history: [{ episodeId: 'episode-9' }] }];
    assert.throws(() => assertOwnReferences(rows({ fresh, rhis: [] })), /an episode's history names another episode, episode-9/);
  });

  it('fail for an RHI of an unknown child, or covering an episode the batch did not make', () => {
    assert.throws(() => assertOwnReferences(rows({ rhis: [{ rhi: { childId: 'child-elsewhere', episodeIds: ['episode-1'] } }] })), /a new RHI names a child the batch did not look up or make, child-elsewhere/);
    assert.throws(() => assertOwnReferences(rows({ rhis: [{ rhi: { childId: 'child-new', episodeIds: ['episode-recorded'] } }] })), /a new RHI names an episode the batch did not make, episode-recorded/);
  });
});

/** A row for a new child, with its return and an RHI. */
const fresh = (n: number) => `OWN-${n},Kit,Example${n},2012-01-02,N,,home,2026-05-0${n}T10:00,2026-05-0${n}T12:00,low,POL-OWN-${n},RHI-OWN-${n},2026-05-0${n}T13:00,accepted,2026-05-0${n}T14:00,in_house`;

/** Where each statement of an import's transaction ran: `session_replication_role` as the connection had it just before. */
interface Seen {
  /** Each write of `episode_history` (the batch's own, or a use case's inside its savepoint). */
  history: { inSavepoint: boolean; role: string }[];
  /** At the file's audit, the last statement of the transaction. */
  atAudit: string[];
}

/**
 * The database as the import sees it, asking the connection its role just before each statement
 * watched. The question is queued before the statement, not awaited first, so that a connection that
 * runs statements in the order asked runs them in the same order as without it.
 */
function watched(db: Database, seen: Seen, role?: string): Database {
  const roleNow = (tx: Queryable, into: string[]) => void tx.query<{ session_replication_role: string }>('show session_replication_role').then(([row]) => into.push(row!.session_replication_role));
  const wrap = (tx: Queryable): Queryable => {
    let savepoints = 0;
    const history = (text: string) => {
      if (!/^\s*(insert into )?episode_history\b/.test(text)) return;
      const into: string[] = [];
      roleNow(tx, into);
      seen.history.push({
        inSavepoint: savepoints > 0,
        get role() {
          return into[0]!;
        },
      });
    };
    return {
      ...tx,
      exec: (sql: string) => {
        if (/^savepoint /.test(sql)) savepoints++;
        if (/^(release|rollback to) savepoint /.test(sql)) savepoints--;
        if (/enable_seqscan = on/.test(sql)) roleNow(tx, seen.atAudit);
        return tx.exec(sql);
      },
      query: (sql: string | { text: string }, params?: unknown[]) => {
        history(typeof sql === 'string' ? sql : sql.text);
        return tx.query(sql as string, params);
      },
      ...(tx.copyFrom ? { copyFrom: (into: string, text: string) => (history(into), tx.copyFrom!(into, text)) } : {}),
    };
  };
  return {
    ...db,
    transaction: (work) =>
      db.transaction(async (tx) => {
        if (role) await tx.exec(`set local role ${role}`);
        return work(wrap(tx));
      }),
  };
}

forEachDriver('an import\'s own writes', (db, driver) => {
  const count = async (sql: string) => (await db().query<{ n: number }>(sql))[0]!.n;

  /** Imports a day's episode, then a file that returns it (a use case) and adds two new children (the batch). */
  async function importWatched(role?: string): Promise<Seen> {
    await importEpisodesCsv(db(), `${HEADER}\nOWN-0,Kit,Example0,2012-01-02,N,,home,2026-04-30T10:00,,low,POL-OWN-0,,,,,\n`, context(), options);
    const seen: Seen = { history: [], atAudit: [] };
    const summary = await importEpisodesCsv(
      watched(db(), seen, role),
      `${HEADER}\nOWN-0,Kit,Example0,2012-01-02,N,,home,2026-04-30T10:00,2026-04-30T20:00,low,POL-OWN-0,,,,,\n${fresh(1)}\n${fresh(2)}\n`,
      context(),
      options,
    );
    assert.deepEqual([summary.created, summary.updated, summary.invalid], [2, 1, 0], JSON.stringify(summary.problems));
    // Every reference holds, whoever wrote it.
    assert.equal(await count(`select count(*)::int as n from episodes e where not exists (select 1 from children c where c.id = e.child_id)`), 0);
    assert.equal(await count(`select count(*)::int as n from episode_history h where not exists (select 1 from episodes e where e.id = h.episode_id)`), 0);
    assert.equal(await count(`select count(*)::int as n from return_interview_episodes l where not exists (select 1 from episodes e where e.id = l.episode_id) or not exists (select 1 from return_interviews r where r.id = l.return_interview_id)`), 0);
    assert.equal(await count(`select count(*)::int as n from return_interviews r where not exists (select 1 from children c where c.id = r.child_id)`), 0);
    assert.equal(await count(`select count(*)::int as n from return_interview_episodes`), 2);
    return seen;
  }

  it('are written with the triggers off on a superuser\'s connection, and the use cases and the audit after them with the triggers on', async function () {
    this.timeout(30_000);
    const seen = await importWatched();
    const batch = seen.history.filter((write) => !write.inSavepoint);
    const useCases = seen.history.filter((write) => write.inSavepoint);
    assert.equal(batch.length, 1, `the batch writes its new episodes' history once: ${JSON.stringify(seen.history)}`);
    assert.ok(useCases.length >= 1, `the return goes through the use case: ${JSON.stringify(seen.history)}`);
    assert.equal(batch[0]!.role, 'replica', `${driver}: the batch's own rows go in without the per-row triggers`);
    assert.deepEqual(
      useCases.map((write) => write.role),
      useCases.map(() => 'origin'),
      'a use case changing a recorded episode keeps the database\'s checks',
    );
    assert.deepEqual(seen.atAudit, ['origin'], 'the triggers are on again before the file\'s audit');
  });

  it('keep the triggers on, and import the same, where the connection may not turn them off', async function () {
    this.timeout(30_000);
    await db().exec(`
      do $$ begin create role mh_plain_importer nosuperuser; exception when duplicate_object then null; end $$;
      grant select, insert, update on all tables in schema public to mh_plain_importer;
      grant usage on all sequences in schema public to mh_plain_importer;
      -- PGlite's COPY reads its rows as a file.
      grant pg_read_server_files to mh_plain_importer;
    `);
    const seen = await importWatched('mh_plain_importer');
    assert.ok(seen.history.length >= 2, JSON.stringify(seen.history));
    assert.deepEqual(
      seen.history.map((write) => write.role),
      seen.history.map(() => 'origin'),
      'never asked to turn off what it may not',
    );
    assert.deepEqual(seen.atAudit, ['origin']);
  });
}, { worker: true });
