import assert from 'node:assert/strict';
import { once } from 'node:events';
import { AccessCache } from '../../src/access/accessCache';
import { ChangeCache, ChangeFeed } from '../../src/store/changeFeed';
import { ListSnapshots } from '../../src/lists/listSnapshots';
import { bumpListVersion, listVersion } from '../../src/store/postedCards';
import { acknowledge } from '../../src/store/acknowledgements';
import { openPostgres, type Database } from '../../src/store/db';
import { migrate } from '../../src/store/migrate';
import * as channels from '../../src/store/channels';
import { grantRole, revokeRole } from '../../src/store/grants';
import { forEachDriver } from '../support/databases';
import { createTestDatabase } from '../support/postgres';
import { linkTestChannel } from '../support/channels';

const USER = 'aaaaaaaa-0000-4000-8000-00000000a11c';
const grant = (db: Database, role: 'chair' | 'police' = 'chair') => grantRole(db, { userId: USER, userName: 'Test Person', role, grantedBy: 'test', grantedAt: new Date('2026-06-09T08:00:00Z') });

describe('ChangeCache', () => {
  let clock = 0;
  const cache = () => new ChangeCache<string, number>({ ttlMs: 1_000, maxEntries: 2, now: () => clock });
  const counting = () => {
    let reads = 0;
    return { read: async () => ++reads, get reads() { return reads; } };
  };

  it('keeps nothing until changes are heard, and nothing once they are not', async () => {
    const kept = cache();
    const source = counting();
    assert.equal(await kept.get('a', source.read), 1);
    assert.equal(await kept.get('a', source.read), 2, 'not heard: read again');
    kept.live = true;
    assert.equal(await kept.get('a', source.read), 3);
    assert.equal(await kept.get('a', source.read), 3, 'heard: kept');
    kept.live = false;
    assert.equal(await kept.get('a', source.read), 4, 'hearing lost: forgotten and read again');
    assert.equal(kept.size, 0);
  });

  it('does not keep an answer read while a change was told (it may predate the change)', async () => {
    const kept = cache();
    kept.live = true;
    let release!: (value: number) => void;
    const reading = kept.get('a', () => new Promise<number>((resolve) => (release = resolve)));
    kept.forget();
    release(1);
    assert.equal(await reading, 1, 'the caller still gets its answer');
    assert.equal(kept.size, 0, 'but it is not kept');
    assert.equal(await kept.get('a', async () => 2), 2);
  });

  it('asks again after the time to live, and keeps at most maxEntries, the oldest going first', async () => {
    const kept = cache();
    kept.live = true;
    clock = 0;
    await kept.get('a', async () => 1);
    clock = 999;
    assert.equal(await kept.get('a', async () => 2), 1);
    clock = 1_000;
    assert.equal(await kept.get('a', async () => 3), 3, 'expired');
    await kept.get('b', async () => 4);
    await kept.get('c', async () => 5);
    assert.equal(kept.size, 2);
    assert.equal(await kept.get('a', async () => 6), 6, 'the oldest went first');
  });
});

let marks = 0;
/** Resolves once everything committed before it has been heard (notifications arrive in commit order). */
async function heardSoFar(feed: ChangeFeed, db: Database): Promise<void> {
  const mark = `mark-${++marks}`;
  const heard = new Promise<void>((resolve) => {
    const seen = (payload: string) => {
      if (payload !== mark) return;
      feed.off('change', seen);
      resolve();
    };
    feed.on('change', seen);
  });
  await db.query('select pg_notify($1, $2)', ['huddle_changes', mark]);
  await heard;
}

forEachDriver('changes heard', (db) => {
  let feed: ChangeFeed;
  let access: AccessCache;
  beforeEach(async () => {
    feed = await new ChangeFeed().listen(db());
    access = new AccessCache().follow(feed);
  });
  afterEach(async () => feed.close());

  it('forgets a kept grant at the commit of a change, and answers the change', async () => {
    assert.deepEqual(await access.rolesOf(db(), USER), []);
    assert.equal(access.size, 1, 'the answer is kept');
    const told = once(feed, 'change');
    await grant(db());
    assert.deepEqual(await told, ['role_grants']);
    assert.deepEqual(await access.rolesOf(db(), USER), ['chair']);
    const revoked = once(feed, 'change');
    await revokeRole(db(), USER, 'chair');
    await revoked;
    assert.deepEqual(await access.rolesOf(db(), USER), []);
  });

  it('keeps which roles anyone holds by grant (the agencies with a roster) until grants change', async () => {
    let reads = 0;
    const counted = { query: (sql: string, params?: unknown[]) => (reads++, db().query(sql, params)), exec: (sql: string) => db().exec(sql) };
    assert.deepEqual([...(await access.grantedRoles(counted as never))], []);
    assert.deepEqual([...(await access.grantedRoles(counted as never))], []);
    assert.equal(reads, 1, 'the second tap is answered from what was kept');
    const told = once(feed, 'change');
    await grant(db(), 'police');
    assert.deepEqual(await told, ['role_grants']);
    assert.deepEqual([...(await access.grantedRoles(db()))], ['police'], 'forgotten at the change: Police now has a roster');
    const revoked = once(feed, 'change');
    await revokeRole(db(), USER, 'police');
    await revoked;
    assert.deepEqual([...(await access.grantedRoles(db()))], [], 'and forgotten again when the last grant goes');
  });

  it('hears nothing of a change rolled back, and keeps its answer', async () => {
    await access.rolesOf(db(), USER);
    await assert.rejects(
      db().transaction(async (tx) => {
        await grantRole(tx, { userId: USER, userName: null, role: 'chair', grantedBy: 'test', grantedAt: new Date() });
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    // A change committed after it is the first thing heard.
    const told = once(feed, 'change');
    await linkTestChannel(db(), 'http://127.0.0.1:1', '19:probe@thread.tacv2', 'police');
    assert.deepEqual(await told, ['channels']);
  });

  it('forgets a channel standing when the channel is linked to another agency, not when a message refreshes its row', async () => {
    const channel = await linkTestChannel(db(), 'http://127.0.0.1:1', '19:standing@thread.tacv2', 'police');
    await heardSoFar(feed, db());
    assert.equal((await access.standingOf(db(), channel.conversationId))?.agency, 'police');
    // The refresh a message makes changes nothing access reads: the first change heard is the grant after it.
    const first = once(feed, 'change');
    await channels.upsertChannel(db(), { conversationId: channel.conversationId, teamId: null, tenantId: null, name: 'renamed', reference: channel.reference });
    await grant(db());
    assert.deepEqual(await first, ['role_grants']);
    await access.standingOf(db(), channel.conversationId);
    const moved = once(feed, 'change');
    await channels.setChannelAgency(db(), channel.id, 'health');
    assert.deepEqual(await moved, ['channels']);
    assert.equal((await access.standingOf(db(), channel.conversationId))?.agency, 'health');
  });

  it('forgets a channel never seen once it is seen', async () => {
    assert.equal(await access.standingOf(db(), '19:new@thread.tacv2'), undefined);
    const told = once(feed, 'change');
    await linkTestChannel(db(), 'http://127.0.0.1:1', '19:new@thread.tacv2', 'education');
    await told;
    assert.equal((await access.standingOf(db(), '19:new@thread.tacv2'))?.agency, 'education');
  });

  it('moves the list version in the statement of an acknowledgement that adds something, and tells nothing of one that adds nothing', async () => {
    const DAY = '2026-06-10';
    const before = await listVersion(db(), DAY);
    const input = { listDate: DAY, agency: 'police' as const, childId: null, userId: 'user-1', userName: 'Pat Police', conversationId: '19:ack@thread.tacv2', at: new Date('2026-06-10T08:00:00Z'), seen: ['key-1'] };
    const first = once(feed, 'change');
    assert.equal(await acknowledge(db(), input, { bumpVersion: true }), true);
    assert.deepEqual(await first, ['list_versions']);
    assert.equal(await listVersion(db(), DAY), before + 1);
    const next = once(feed, 'change');
    assert.equal(await acknowledge(db(), input, { bumpVersion: true }), false, 'nothing new seen');
    await grant(db());
    assert.deepEqual(await next, ['role_grants'], 'the repeat told nothing');
    assert.equal(await listVersion(db(), DAY), before + 1, 'and moved nothing');
  });

  it('keeps a day\'s list version for read-only taps until a change moves it, and reads it afresh for anyone else', async () => {
    const lists = new ListSnapshots().follow(feed);
    const DAY = '2026-06-09';
    assert.equal(await lists.version(db(), DAY, { readOnly: true }), 0);
    // Moved without a notification (as a change not yet heard would be): a read-only tap keeps the
    // version it had; a caller who changed something reads the database.
    await db().exec(`alter table list_versions disable trigger list_versions_changed`);
    try {
      await bumpListVersion(db(), DAY);
    } finally {
      await db().exec(`alter table list_versions enable trigger list_versions_changed`);
    }
    assert.equal(await lists.version(db(), DAY, { readOnly: true }), 0, 'kept while nothing is heard');
    assert.equal(await lists.version(db(), DAY), 1, 'afresh for a caller who changed something');
    assert.equal(await lists.version(db(), DAY, { readOnly: true }), 1, 'and kept from there');
    const told = once(feed, 'change');
    await bumpListVersion(db(), DAY);
    assert.deepEqual(await told, ['list_versions']);
    assert.equal(await lists.version(db(), DAY, { readOnly: true }), 2, 'a change heard is read afresh');
  });
});

describe('changes heard across replicas [postgres]', () => {
  let url: string;
  let replicaA: Database;
  let replicaB: Database;
  before(async function () {
    this.timeout(60_000);
    url = await createTestDatabase();
    replicaA = await openPostgres(url);
    await migrate(replicaA);
    replicaB = await openPostgres(url);
  });
  after(async () => {
    await replicaA?.close();
    await replicaB?.close();
  });
  beforeEach(async () => replicaA.exec('truncate role_grants'));

  it('a grant revoked on one replica is forgotten on the other', async () => {
    const feedB = await new ChangeFeed().listen(replicaB);
    const onB = new AccessCache().follow(feedB);
    try {
      const granted = once(feedB, 'change');
      await grant(replicaA, 'police');
      await granted;
      assert.deepEqual(await onB.rolesOf(replicaB, USER), ['police']);
      const revoked = once(feedB, 'change');
      await revokeRole(replicaA, USER, 'police');
      await revoked;
      assert.deepEqual(await onB.rolesOf(replicaB, USER), []);
    } finally {
      await feedB.close();
    }
  });

  it('keeps nothing while its listening connection is lost, and keeps again once it is back', async () => {
    const feedB = await new ChangeFeed().listen(replicaB);
    const onB = new AccessCache().follow(feedB);
    try {
      await onB.rolesOf(replicaB, USER);
      assert.equal(onB.size, 1);
      const lost = once(feedB, 'live');
      await replicaA.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen huddle_changes'`);
      assert.deepEqual(await lost, [false]);
      assert.equal(onB.size, 0, 'everything kept is forgotten');
      // A change made while not hearing is still seen: nothing is kept meanwhile.
      const back = once(feedB, 'live');
      await grant(replicaA);
      assert.deepEqual(await onB.rolesOf(replicaB, USER), ['chair']);
      assert.deepEqual(await back, [true]);
      await onB.rolesOf(replicaB, USER);
      assert.equal(onB.size, 1, 'kept again once heard');
    } finally {
      await feedB.close();
    }
  });
});
