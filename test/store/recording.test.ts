import assert from 'node:assert/strict';
import { DomainError } from '../../src/domain/errors';
import { changeEpisode, changeRhi, createRhi, recordReturn, reportMissing } from '../../src/recording/service';
import { loadMigrations, migrate } from '../../src/store/migrate';
import * as repo from '../../src/store/repositories';
import type { Queryable } from '../../src/store/db';
import { forEachDriver } from '../support/databases';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const rejects = (code: DomainError['code']) => (error: unknown) => error instanceof DomainError && error.code === code;

forEachDriver('recording on the store', (db, driver) => {
  const inTx = <T>(work: (tx: Queryable) => Promise<T>) => db().transaction(work);

  it('records a missing notification, creating the child, and audits it without the child’s name', async () => {
    const { value: episode, created } = await inTx((tx) => reportMissing(tx, report({ policeRef: 'POL-1' }), context()));
    assert.equal(created, true);
    const stored = await repo.findEpisode(db(), episode.id);
    assert.equal(stored?.policeRef, 'POL-1');
    assert.equal(stored?.riskGrade, 'medium');
    const child = await repo.findChildByRef(db(), 'TEST-0001');
    assert.equal(child?.dateOfBirth, '2011-05-01');
    const entries = await repo.auditEntries(db(), { action: 'episode.reported' });
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.actor, 'test-system');
    assert.ok(!JSON.stringify(entries).includes('Testy'), 'the audit log holds refs, not names');
  });

  it('answers the same episode for the same police ref or the same child and time, never a duplicate', async () => {
    const first = await inTx((tx) => reportMissing(tx, report({ policeRef: 'POL-2' }), context()));
    const byRef = await inTx((tx) => reportMissing(tx, report({ policeRef: 'POL-2', reportedAt: at('2026-06-08T21:00:00Z') }), context()));
    const byTime = await inTx((tx) => reportMissing(tx, report(), context()));
    assert.equal(byRef.created, false);
    assert.equal(byRef.value.id, first.value.id);
    assert.equal(byTime.value.id, first.value.id);
    const [row] = await db().query<{ count: number }>('select count(*)::int as count from episodes');
    assert.equal(row!.count, 1);
  });

  it('refuses a police ref already used for another child', async () => {
    await inTx((tx) => reportMissing(tx, report({ policeRef: 'POL-3' }), context()));
    await assert.rejects(inTx((tx) => reportMissing(tx, report({ policeRef: 'POL-3', childRef: 'TEST-0002' }), context())), rejects('conflict'));
  });

  it('rejects an overlapping episode for the same child and stores nothing of it', async () => {
    await inTx((tx) => reportMissing(tx, report(), context()));
    await assert.rejects(inTx((tx) => reportMissing(tx, report({ reportedAt: at('2026-06-09T01:00:00Z'), policeRef: 'POL-X' }), context())), rejects('overlapping_episode'));
    const [row] = await db().query<{ count: number }>('select count(*)::int as count from episodes');
    assert.equal(row!.count, 1);
  });

  it('refuses care and away episodes for a child who is not looked after', async () => {
    await assert.rejects(inTx((tx) => reportMissing(tx, report({ kind: 'missing_from_care' }), context())), rejects('validation'));
  });

  it('records OLA authorities on the episode of a child placed by another council', async () => {
    const input = report({ kind: 'missing_from_care' });
    input.child = { ...input.child, lookedAfter: true, placingAuthority: 'Example County Council' };
    const { value } = await inTx((tx) => reportMissing(tx, input, context()));
    const stored = await repo.findEpisode(db(), value.id);
    assert.equal(stored?.responsibleAuthority, 'Example County Council');
    assert.equal(stored?.hostAuthority, 'Demo Borough Council');
    assert.equal(stored?.placementInArea, false);
  });

  it('records a return, then allows the next episode from that instant', async () => {
    const { value } = await inTx((tx) => reportMissing(tx, report(), context()));
    const returned = await inTx((tx) => recordReturn(tx, value.id, { returnedAt: at('2026-06-09T02:00:00Z'), safeAndWellCheck: 'done' }, context()));
    assert.equal(returned.returnedAt?.toISOString(), '2026-06-09T02:00:00.000Z');
    const next = await inTx((tx) => reportMissing(tx, report({ reportedAt: at('2026-06-09T02:00:00Z') }), context()));
    assert.equal(next.created, true);
  });

  it('refuses a return before the report and an unknown episode', async () => {
    const { value } = await inTx((tx) => reportMissing(tx, report(), context()));
    await assert.rejects(inTx((tx) => recordReturn(tx, value.id, { returnedAt: at('2026-06-08T19:00:00Z'), safeAndWellCheck: null }, context())), rejects('validation'));
    await assert.rejects(inTx((tx) => recordReturn(tx, '00000000-0000-4000-8000-000000000000', { returnedAt: at('2026-06-09T01:00:00Z'), safeAndWellCheck: null }, context())), rejects('not_found'));
  });

  it('keeps the risk grade as entered with its whole history and the reason for each change', async () => {
    const { value } = await inTx((tx) => reportMissing(tx, report({ riskGrade: 'low' }), context()));
    await assert.rejects(
      inTx((tx) => changeEpisode(tx, value.id, { riskGrade: 'high' }, context())),
      (error: DomainError) => error.problems[0]?.path === 'riskReason' && error.message === 'Say why the risk grade changed: the reason is kept with the grade history.',
    );
    await inTx((tx) => changeEpisode(tx, value.id, { riskGrade: 'high', riskReason: 'Seen with an adult of concern' }, context({ actor: { name: 'police-system', kind: 'api' } })));
    await inTx((tx) => changeEpisode(tx, value.id, { riskGrade: 'high' }, context())); // no change, no history, no reason needed
    const history = await repo.episodeHistory(db(), value.id);
    assert.deepEqual(history.map((entry) => [entry.field, entry.oldValue, entry.newValue, entry.changedBy, entry.reason]), [
      ['riskGrade', null, 'low', 'test-system', null],
      ['riskGrade', 'low', 'high', 'police-system', 'Seen with an adult of concern'],
    ]);
  });

  it('lets one RHI cover several episodes of one child, and refuses a second RHI for the same episode', async () => {
    const ids: string[] = [];
    for (const [start, end] of [
      ['2026-06-01T10:00:00Z', '2026-06-01T20:00:00Z'],
      ['2026-06-03T10:00:00Z', '2026-06-03T20:00:00Z'],
    ]) {
      const { value } = await inTx((tx) => reportMissing(tx, report({ reportedAt: at(start!) }), context()));
      await inTx((tx) => recordReturn(tx, value.id, { returnedAt: at(end!), safeAndWellCheck: 'done' }, context()));
      ids.push(value.id);
    }
    const { value: rhi } = await inTx((tx) =>
      createRhi(tx, { episodeIds: ids, offeredAt: at('2026-06-04T09:00:00Z'), completedAt: at('2026-06-05T09:00:00Z'), provider: 'in_house' }, context()),
    );
    assert.deepEqual(rhi.episodeIds, [...ids].sort());
    assert.equal(rhi.outcome, 'accepted');
    const stored = await repo.findRhi(db(), rhi.id);
    assert.deepEqual(stored?.episodeIds, [...ids].sort());
    await assert.rejects(inTx((tx) => createRhi(tx, { episodeIds: [ids[0]!] }, context())), rejects('conflict'));
  });

  it('refuses an RHI for an open episode, completed before the return, or declined without an offer', async () => {
    const { value: open } = await inTx((tx) => reportMissing(tx, report(), context()));
    await assert.rejects(inTx((tx) => createRhi(tx, { episodeIds: [open.id] }, context())), rejects('validation'));
    await inTx((tx) => recordReturn(tx, open.id, { returnedAt: at('2026-06-09T01:00:00Z'), safeAndWellCheck: null }, context()));
    await assert.rejects(inTx((tx) => createRhi(tx, { episodeIds: [open.id], completedAt: at('2026-06-09T00:00:00Z') }, context())), rejects('validation'));
    await assert.rejects(inTx((tx) => createRhi(tx, { episodeIds: [open.id], outcome: 'declined' }, context())), rejects('validation'));
  });

  it('finds an RHI by its ref again, adds episodes to it and records its outcome', async () => {
    const ids: string[] = [];
    for (const day of ['01', '03']) {
      const { value } = await inTx((tx) => reportMissing(tx, report({ reportedAt: at(`2026-06-${day}T10:00:00Z`) }), context()));
      await inTx((tx) => recordReturn(tx, value.id, { returnedAt: at(`2026-06-${day}T12:00:00Z`), safeAndWellCheck: null }, context()));
      ids.push(value.id);
    }
    const first = await inTx((tx) => createRhi(tx, { ref: 'RHI-9', episodeIds: [ids[0]!] }, context()));
    const again = await inTx((tx) => createRhi(tx, { ref: 'RHI-9', episodeIds: [ids[1]!] }, context()));
    assert.equal(again.created, false);
    assert.equal(again.value.id, first.value.id);
    assert.equal(again.value.episodeIds.length, 2);
    const declined = await inTx((tx) => changeRhi(tx, first.value.id, { offeredAt: at('2026-06-04T09:00:00Z'), outcome: 'declined' }, context()));
    assert.equal(declined.outcome, 'declined');
    assert.equal((await repo.findRhi(db(), first.value.id))?.outcome, 'declined');
  });

  it('applies each migration once, however often it runs', async () => {
    assert.deepEqual(await migrate(db()), []);
    const [row] = await db().query<{ count: number }>('select count(*)::int as count from schema_migrations');
    assert.equal(row!.count, loadMigrations().length);
  });

  if (driver === 'postgres') {
    it('keeps one episode when two replicas record the same notification at the same moment', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => db().transaction((tx) => reportMissing(tx, report({ policeRef: 'POL-RACE' }), context()))),
      );
      assert.ok(results.every((result) => result.status === 'fulfilled'), JSON.stringify(results.filter((r) => r.status === 'rejected')));
      const ids = new Set(results.map((result) => (result as PromiseFulfilledResult<{ value: { id: string } }>).value.value.id));
      assert.equal(ids.size, 1);
      const [row] = await db().query<{ count: number }>('select count(*)::int as count from episodes');
      assert.equal(row!.count, 1);
    });
  }
});
