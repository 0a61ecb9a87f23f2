import assert from 'node:assert/strict';
import { DomainError, isDomainError } from '../../src/domain/errors';
import { changeEpisode, createRhi, recordReturn, reportMissing } from '../../src/recording/service';
import { openTestDatabase } from '../support/databases';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';
import type { Database, Queryable } from '../../src/store/db';
import { importEpisodesCsv } from '../../src/import/importer';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';

/**
 * Concurrent writers on a real PostgreSQL (issue 8, items 2 to 4): each case was reproduced from
 * outside with requests sent together, and answered two 201s, overlapping episodes or a 500.
 */

const NOW = at('2026-06-09T12:00:00Z');

/** Every outcome is a success or a domain conflict the API answers 409: never anything else. */
function outcomes(results: PromiseSettledResult<unknown>[]) {
  const other = results.filter((result) => result.status === 'rejected' && !(isDomainError(result.reason) && result.reason.code === 'conflict'));
  assert.deepEqual(other.map((result) => String((result as PromiseRejectedResult).reason)), [], 'only successes and conflicts');
  return { ok: results.filter((result) => result.status === 'fulfilled').map((result) => (result as PromiseFulfilledResult<any>).value), conflicts: results.length - results.filter((result) => result.status === 'fulfilled').length };
}

describe('concurrent writers on PostgreSQL', function () {
  this.timeout(60_000);
  let db: Database;
  before(async () => {
    db = await openTestDatabase('postgres');
  });
  after(async () => db?.close());
  beforeEach(async () => db.exec('truncate audit_log, return_interview_episodes, return_interviews, episode_history, episodes, children restart identity cascade'));

  const returned = async (childRef: string, policeRef: string) => {
    const { value } = await db.transaction((tx) => reportMissing(tx, report({ childRef, policeRef, reportedAt: at('2026-06-08T20:00:00Z') }), context({ now: NOW })));
    return db.transaction((tx) => recordReturn(tx, value.id, { returnedAt: at('2026-06-09T08:00:00Z'), safeAndWellCheck: 'done' }, context({ now: NOW })));
  };

  it('creates one RHI for two simultaneous requests over one episode, and no RHI without episodes (item 2)', async () => {
    const episode = await returned('CC-1', 'POL-CC1');
    for (let round = 0; round < 5; round++) {
      await db.exec('delete from return_interview_episodes; delete from return_interviews');
      const { ok, conflicts } = outcomes(await Promise.allSettled([1, 2].map(() => db.transaction((tx) => createRhi(tx, { episodeIds: [episode.id] }, context({ now: NOW }))))));
      assert.deepEqual([ok.length, conflicts], [1, 1], `round ${round}`);
      const orphans = await db.query(`select id from return_interviews r where not exists (select 1 from return_interview_episodes l where l.return_interview_id = r.id)`);
      assert.deepEqual(orphans, [], 'an RHI with no episode can never be updated');
    }
  });

  it('never lets a return and a new episode of the same child, sent together, overlap (item 3)', async () => {
    for (let round = 0; round < 20; round++) {
      await db.exec('truncate return_interview_episodes, return_interviews, episode_history, episodes, children restart identity cascade');
      const { value: open } = await db.transaction((tx) => reportMissing(tx, report({ childRef: 'CC-2', policeRef: 'POL-CC2', reportedAt: at('2026-06-09T01:00:00Z') }), context({ now: NOW })));
      outcomes(
        await Promise.allSettled([
          db.transaction((tx) => recordReturn(tx, open.id, { returnedAt: at('2026-06-09T10:00:00Z'), safeAndWellCheck: null }, context({ now: NOW }))),
          db.transaction((tx) => reportMissing(tx, report({ childRef: 'CC-2', policeRef: 'POL-CC2b', reportedAt: at('2026-06-09T09:00:00Z') }), context({ now: NOW }))),
        ]).then((results) => results.map((result) => (result.status === 'rejected' && isDomainError(result.reason) && result.reason.code === 'overlapping_episode' ? { status: 'rejected', reason: Object.assign(result.reason, { code: 'conflict' }) } : result)) as PromiseSettledResult<unknown>[]),
      );
      const overlapping = await db.query(
        `select 1 from episodes a join episodes b on a.child_id = b.child_id and a.id < b.id
          where a.reported_at < coalesce(b.returned_at, 'infinity') and b.reported_at < coalesce(a.returned_at, 'infinity')`,
      );
      assert.deepEqual(overlapping, [], `round ${round}: two episodes of one child overlap`);
    }
  });

  it('gives a connection back to the pool after a statement the server refused or a refusal of ours (fifty clashing requests opened fifty connections)', async () => {
    const pid = () => db.transaction(async (tx) => (await tx.query<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid);
    const first = await pid();
    await assert.rejects(db.transaction(async (tx) => tx.query("insert into children (id, ref) values (gen_random_uuid(), 'CC-DUP'), (gen_random_uuid(), 'CC-DUP')")), /clashes with a record made at the same moment/);
    assert.equal(await pid(), first, 'a unique clash: the same connection serves the next transaction');
    await assert.rejects(db.transaction(async () => Promise.reject(new DomainError('conflict', 'refused by the use case'))), /refused by the use case/);
    assert.equal(await pid(), first, 'a domain refusal: the same connection');
  });

  it('answers a conflict, never a crash, when fifty children are reported with one police reference (item 4)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => db.transaction((tx) => reportMissing(tx, report({ childRef: `CC-P${index}`, policeRef: 'POL-SAME' }), context({ now: NOW })))));
    const { ok, conflicts } = outcomes(results);
    assert.deepEqual([ok.length, conflicts], [1, 49]);
  });

  it('answers fifty identical RHIs with one ref with one created and the rest the same interview (item 4)', async () => {
    const episode = await returned('CC-3', 'POL-CC3');
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => db.transaction((tx) => createRhi(tx, { ref: 'RHI-SAME', episodeIds: [episode.id] }, context({ now: NOW })))));
    const { ok, conflicts } = outcomes(results);
    assert.equal(conflicts, 0, 'the promised idempotency');
    assert.equal(ok.filter((result: { created: boolean }) => result.created).length, 1);
    assert.equal(new Set(ok.map((result: { value: { id: string } }) => result.value.id)).size, 1);
  });

  it('answers a conflict when two episodes are changed to one police reference at once (item 4)', async () => {
    const first = await returned('CC-4', 'POL-CC4');
    const second = await returned('CC-5', 'POL-CC5');
    const { ok, conflicts } = outcomes(await Promise.allSettled([first, second].map((episode) => db.transaction((tx) => changeEpisode(tx, episode.id, { policeRef: 'POL-CLASH' }, context({ now: NOW }))))));
    assert.deepEqual([ok.length, conflicts], [1, 1]);
  });
  it('fails an import, storing nothing, when a child it found missing is recorded by someone else before the import writes it', async () => {
    // The import looks its batch's children up, finds CC-6 missing, and writes it with its episode
    // (the episode without the per-row foreign-key triggers). Here another request records CC-6 in
    // between. A child skipped as "already there" would leave the episode naming a child that was
    // never written.
    let recordedMeanwhile = false;
    const wrap = (tx: Queryable): Queryable => ({
      ...tx,
      query: async (sql: any, params?: unknown[]) => {
        const rows = await tx.query(sql, params);
        if (!recordedMeanwhile && /from children where ref = any/.test(typeof sql === 'string' ? sql : sql.text)) {
          recordedMeanwhile = true;
          await db.query(`insert into children (id, ref, given_name) values (gen_random_uuid(), 'CC-6', 'Other')`);
        }
        return rows as any;
      },
    });
    const racing: Database = { ...db, transaction: (work) => db.transaction((tx) => work(wrap(tx))) };
    const csv = `${[...NATIVE_COLUMNS, 'rhi_provider'].join(',')}\nCC-6,Kit,Example,2012-01-02,N,,home,2026-06-01T10:00,2026-06-01T12:00,low,POL-CC6,,,,,\n`;
    await assert.rejects(
      importEpisodesCsv(racing, csv, context({ now: NOW }), { skipInvalid: false, timeZone: 'Europe/London' }),
      /clashes with a record made at the same moment.*Nothing was stored/,
    );
    assert.ok(recordedMeanwhile, 'the other request ran between the lookup and the write');
    assert.deepEqual(await db.query(`select given_name from children where ref = 'CC-6'`), [{ given_name: 'Other' }], 'the other request\'s child stands');
    assert.deepEqual(await db.query(`select id from episodes`), [], 'no episode stored, none naming a child that is not there');
  });
});
