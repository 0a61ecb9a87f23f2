import { ListSnapshots } from '../../src/lists/listSnapshots';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { CardSender } from '../../src/bot/sender';
import { CardRefresher } from '../../src/posting/cardRefresher';
import { reportMissing } from '../../src/recording/service';
import { acknowledge } from '../../src/store/acknowledgements';
import { recordOnDemandPost, turnPage } from '../../src/store/postedCards';
import { linkTestChannel } from '../support/channels';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { context, report } from '../support/recording';
import { testRoles } from '../support/roles';

const NOW = at('2026-06-09T08:00:00Z');
const DATE = '2026-06-09';
const POLICE = '19:police@thread.tacv2';

/** A sender that records each update, and can be held back (saying when it has rendered) to land after another's. */
function recordingSender(log: { who: string; card: string }[], who: string, hold?: { rendered: () => void; release: Promise<void> }): CardSender {
  return {
    sendCard: async () => 'unused',
    async updateCard(_reference, _activityId, card) {
      const text = JSON.stringify(card);
      if (hold) {
        hold.rendered();
        await hold.release;
      }
      log.push({ who, card: text });
    },
  };
}

forEachDriver('refreshing posted copies across replicas', (db) => {
  it('ends with every change on the copy even when a replica’s stale update lands last', async () => {
    await db().transaction((tx) => reportMissing(tx, report({ policeRef: 'POL-RF1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    const channel = await linkTestChannel(db(), 'http://127.0.0.1:9', POLICE, 'police');
    await linkTestChannel(db(), 'http://127.0.0.1:9', '19:education@thread.tacv2', 'education');
    await recordOnDemandPost(db(), { kind: 'daily_list', listDate: DATE, conversationId: channel.conversationId, reference: channel.reference, displayLevel: 'initials', activityId: 'copy-1', instance: 'a', now: NOW, place: 'channel', forUserId: null });
    const log: { who: string; card: string }[] = [];
    let release!: () => void;
    let rendered!: () => void;
    const hasRendered = new Promise<void>((resolve) => (rendered = resolve));
    const held = { rendered: () => rendered(), release: new Promise<void>((resolve) => (release = resolve)) };
    const deps = { db: db(), settings: SETTINGS, now: () => NOW, logger: pino({ level: 'silent' }), roles: testRoles(db()) };
    // Replica A: its first update renders only the police acknowledgement and is held back.
    // Each replica its own process, so its own kept list.
    const replicaA = new CardRefresher({ ...deps, lists: new ListSnapshots(), sender: recordingSender(log, 'A', held) });
    const replicaB = new CardRefresher({ ...deps, lists: new ListSnapshots(), sender: recordingSender(log, 'B') });
    const ack = (agency: 'police' | 'education') => acknowledge(db(), { listDate: DATE, agency, childId: null, userId: agency, userName: `${agency} person`, conversationId: POLICE, at: NOW, seen: [] });
    await ack('police');
    const runA = replicaA.request(DATE);
    await hasRendered; // A has rendered its card; its update waits
    await ack('education');
    await replicaB.request(DATE); // B renders both and lands first
    release();
    await runA;
    assert.deepEqual(log.map((entry) => entry.who), ['B', 'A', 'A'], 'A went round again after its stale update');
    assert.ok(!log[1]!.card.includes('education person'), 'the held update was stale');
    assert.match(log.at(-1)!.card, /police person/);
    assert.match(log.at(-1)!.card, /education person/);
  });

  it('keeps a copy on the page it was turned to when a change elsewhere refreshes every copy', async () => {
    for (let index = 0; index < 12; index++) {
      await db().transaction((tx) => reportMissing(tx, report({ childRef: `PAGE-${index}`, policeRef: `POL-PG${index}`, reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    }
    const channel = await linkTestChannel(db(), 'http://127.0.0.1:9', POLICE, 'police');
    await recordOnDemandPost(db(), { kind: 'daily_list', listDate: DATE, conversationId: channel.conversationId, reference: channel.reference, displayLevel: 'initials', activityId: 'copy-1', instance: 'a', now: NOW, place: 'channel', forUserId: null });
    const log: { who: string; card: string }[] = [];
    const refresher = new CardRefresher({ db: db(), settings: SETTINGS, now: () => NOW, logger: pino({ level: 'silent' }), roles: testRoles(db()), lists: new ListSnapshots(), sender: recordingSender(log, 'A') });
    await refresher.request(DATE);
    assert.match(log.at(-1)!.card, /Page 1 of 2/);
    assert.equal(await turnPage(db(), POLICE, DATE, 'daily_list', 1), true, 'the card was posted here');
    await refresher.request(DATE);
    assert.match(log.at(-1)!.card, /Page 2 of 2/, 'the copy stays where it was turned');
  });

  it('never rejects when the database fails during a refresh: the failure is logged, and the process (which fires it and forgets) stays up', async () => {
    const logged: string[] = [];
    const logger = { error: (_details: unknown, message: string) => logged.push(message), warn: () => undefined, info: () => undefined } as unknown as pino.Logger;
    const failing = { ...db(), query: () => Promise.reject(new Error('connection terminated')) } as unknown as typeof deps.db;
    const deps = { db: db(), settings: SETTINGS, now: () => NOW, logger, roles: testRoles(db()), lists: new ListSnapshots(), sender: recordingSender([], 'A') };
    const refresher = new CardRefresher({ ...deps, db: failing });
    await refresher.request(DATE);
    assert.deepEqual(logged, ['could not bring the posted copies up to date']);
  });
});
