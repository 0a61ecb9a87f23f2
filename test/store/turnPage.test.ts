import assert from 'node:assert/strict';
import { claimScheduledPost, markSent, postedCardsOn, recordOnDemandPost, turnPage } from '../../src/store/postedCards';
import { auditEntries } from '../../src/store/repositories';
import { linkTestChannel } from '../support/channels';
import { forEachDriver } from '../support/databases';

const NOW = new Date('2026-06-09T08:00:00Z');
const DATE = '2026-06-09';
const POLICE = '19:turn-police@thread.tacv2';
const HEALTH = '19:turn-health@thread.tacv2';

/** A page turn checks the card was posted here and remembers the page, in one statement: only where it was posted. */
forEachDriver('turnPage', (db) => {
  const pages = async () => (await postedCardsOn(db(), DATE)).map((card) => [card.conversationId, card.page]);

  it('answers whether the card was posted here, and remembers the page only there, on every copy here', async () => {
    const police = await linkTestChannel(db(), 'http://127.0.0.1:9', POLICE, 'police');
    const health = await linkTestChannel(db(), 'http://127.0.0.1:9', HEALTH, 'health');
    const post = await claimScheduledPost(db(), police, 'daily_list', DATE, { instance: 't', now: NOW, staleAfterMs: 60_000, retryAfterMs: 60_000, maxAttempts: 3 });
    await markSent(db(), post!.id, 'activity-1', NOW);
    await recordOnDemandPost(db(), { kind: 'daily_list', listDate: DATE, conversationId: POLICE, reference: police.reference, displayLevel: 'initials', activityId: 'copy-2', instance: 't', now: NOW, place: 'channel', forUserId: null });
    // Claimed for Health but never sent: not posted there.
    await claimScheduledPost(db(), health, 'daily_list', DATE, { instance: 't', now: NOW, staleAfterMs: 60_000, retryAfterMs: 60_000, maxAttempts: 3 });

    assert.equal(await turnPage(db(), POLICE, DATE, 'daily_list', 2), true);
    assert.equal(await turnPage(db(), HEALTH, DATE, 'daily_list', 2), false, 'claimed, not sent');
    assert.equal(await turnPage(db(), POLICE, '2026-06-10', 'daily_list', 2), false, 'another day');
    assert.equal(await turnPage(db(), POLICE, DATE, 'overdue', 2), false, 'another kind');
    assert.deepEqual((await pages()).sort(), [[HEALTH, 0], [POLICE, 2], [POLICE, 2]]);
    assert.equal(await turnPage(db(), POLICE, DATE, 'daily_list', 2), true, 'the same page again: posted, nothing to change');
  });

  it('writes the disclosure audit entry in the same statement, only where the card was posted', async () => {
    const police = await linkTestChannel(db(), 'http://127.0.0.1:9', POLICE, 'police');
    const post = await claimScheduledPost(db(), police, 'daily_list', DATE, { instance: 't', now: NOW, staleAfterMs: 60_000, retryAfterMs: 60_000, maxAttempts: 3 });
    await markSent(db(), post!.id, 'activity-1', NOW);
    const disclosed = (conversationId: string, page: number) => ({
      actor: 'officer-id',
      actorName: 'Test Officer',
      actorKind: 'teams' as const,
      action: 'list.disclosed',
      conversationId,
      details: { agency: 'police', kind: 'daily_list', listDate: DATE, page, displayLevel: 'initials', childRef: 'SYN-1' },
    });
    assert.equal(await turnPage(db(), POLICE, DATE, 'daily_list', 1, disclosed(POLICE, 1)), true);
    assert.equal(await turnPage(db(), HEALTH, DATE, 'daily_list', 1, disclosed(HEALTH, 1)), false);
    const entries = await auditEntries(db(), { action: 'list.disclosed' });
    assert.equal(entries.length, 1, 'nothing audited where nothing was shown');
    assert.deepEqual(
      [entries[0]!.actor, entries[0]!.actorName, entries[0]!.conversationId, entries[0]!.subjectType, entries[0]!.subjectId, entries[0]!.details],
      ['officer-id', 'Test Officer', POLICE, 'child', 'SYN-1', disclosed(POLICE, 1).details],
      'stored as auditMany stores it',
    );
  });
});
