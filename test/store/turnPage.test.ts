import assert from 'node:assert/strict';
import { claimScheduledPost, markSent, PAGE_TURNS_PER_STATEMENT, postedCardsOn, recordOnDemandPost, turnPage, turnPageWithOthers, type PageTurn } from '../../src/store/postedCards';
import type { Database } from '../../src/store/db';
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

  describe('page turns asked at the same moment', () => {
    const disclosed = (conversationId: string, page: number, actor: string) => ({
      actor,
      actorName: `Officer ${actor}`,
      actorKind: 'teams' as const,
      action: 'list.disclosed',
      conversationId,
      details: { agency: 'police', kind: 'daily_list', listDate: DATE, page, displayLevel: 'initials' },
    });
    /** The database, counting the statements that turn pages. */
    const watched = () => {
      const seen = { statements: 0, fail: false };
      const wrapped = {
        ...db(),
        query: (sql: unknown, params?: unknown[]) => {
          const name = (sql as { name?: string }).name ?? '';
          if (name.startsWith('posted_cards.turn_page')) {
            seen.statements++;
            if (seen.fail) return Promise.reject(new Error('the database went away'));
          }
          return db().query(sql as string, params);
        },
      } as Database;
      return { db: wrapped, seen };
    };
    const postedToPolice = async () => {
      const police = await linkTestChannel(db(), 'http://127.0.0.1:9', POLICE, 'police');
      const post = await claimScheduledPost(db(), police, 'daily_list', DATE, { instance: 't', now: NOW, staleAfterMs: 60_000, retryAfterMs: 60_000, maxAttempts: 3 });
      await markSent(db(), post!.id, 'activity-1', NOW);
    };

    it('go as one statement, each answered for its own card, the last page remembered and every disclosure audited in order', async () => {
      await postedToPolice();
      const { db: counted, seen } = watched();
      const turns: PageTurn[] = [
        { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page: 1, disclosed: disclosed(POLICE, 1, 'officer-a') },
        { conversationId: HEALTH, listDate: DATE, kind: 'daily_list', page: 1, disclosed: disclosed(HEALTH, 1, 'nurse-b') },
        { conversationId: POLICE, listDate: DATE, kind: 'overdue', page: 2, disclosed: disclosed(POLICE, 2, 'officer-c') },
        { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page: 3 },
        { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page: 2, disclosed: disclosed(POLICE, 2, 'officer-d') },
      ];
      const answers = await Promise.all(turns.map((turn) => turnPageWithOthers(counted, turn)));
      assert.deepEqual(answers, [true, false, false, true, true], 'posted only where the card of that kind was sent');
      assert.equal(seen.statements, 1, 'one statement for the five');
      assert.deepEqual(await pages(), [[POLICE, 2]], 'the last turn of the card is its page');
      const entries = await auditEntries(db(), { action: 'list.disclosed' });
      assert.deepEqual(
        entries.map((entry) => [entry.actor, entry.actorName, entry.conversationId, entry.details]),
        [
          ['officer-a', 'Officer officer-a', POLICE, disclosed(POLICE, 1, 'officer-a').details],
          ['officer-d', 'Officer officer-d', POLICE, disclosed(POLICE, 2, 'officer-d').details],
        ],
        'audited where shown, in the order asked, as auditMany stores an entry',
      );
    });

    it('a failed statement fails the turns it carried, and the next ones are tried afresh', async () => {
      await postedToPolice();
      const { db: counted, seen } = watched();
      seen.fail = true;
      const failed = await Promise.allSettled([1, 2, 3].map((page) => turnPageWithOthers(counted, { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page, disclosed: disclosed(POLICE, page, 'officer-a') })));
      assert.deepEqual(failed.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'answered')), Array(3).fill('the database went away'));
      seen.fail = false;
      assert.equal(await turnPageWithOthers(counted, { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page: 4, disclosed: disclosed(POLICE, 4, 'officer-a') }), true);
      assert.deepEqual(await pages(), [[POLICE, 4]]);
      assert.deepEqual((await auditEntries(db(), { action: 'list.disclosed' })).map((entry) => entry.details?.page), [4], 'nothing of the failed turns stored');
    });

    it(`goes ${PAGE_TURNS_PER_STATEMENT} turns to a statement at most`, async () => {
      await postedToPolice();
      const { db: counted, seen } = watched();
      const count = PAGE_TURNS_PER_STATEMENT * 2 + 1;
      const answers = await Promise.all(Array.from({ length: count }, (_, index) => turnPageWithOthers(counted, { conversationId: POLICE, listDate: DATE, kind: 'daily_list', page: index % 7, disclosed: disclosed(POLICE, index % 7, `officer-${index}`) })));
      assert.equal(answers.filter(Boolean).length, count);
      assert.equal(seen.statements, 3);
      assert.equal((await auditEntries(db(), { action: 'list.disclosed' })).length, count);
      assert.deepEqual(await pages(), [[POLICE, (count - 1) % 7]]);
    });
  });
});
