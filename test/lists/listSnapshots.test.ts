import assert from 'node:assert/strict';
import { ListSnapshots } from '../../src/lists/listSnapshots';
import { reportMissing } from '../../src/recording/service';
import type { Database, Queryable } from '../../src/store/db';
import { bumpListVersion, recordOnDemandPost } from '../../src/store/postedCards';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { linkTestChannel } from '../support/channels';
import { context, report } from '../support/recording';

const DATE = '2026-06-09';
const NOW = at('2026-06-09T08:00:00Z');

forEachDriver('the day’s list kept between taps', (db) => {
  /** Counts the statements that read episodes: one per build of the list. */
  let builds = 0;
  const counting = (): Queryable => ({ ...db(), query: (sql: string, params?: unknown[]) => ((builds += /from episodes where id in/.test(sql) ? 1 : 0), db().query(sql, params)) }) as Database;

  beforeEach(async () => {
    builds = 0;
    await db().transaction((tx) => reportMissing(tx, report({ childRef: 'SNAP-1', policeRef: 'POL-SN1' }), context({ now: NOW })));
  });

  it('builds the list once for taps in the same minute while nothing changed', async () => {
    const lists = new ListSnapshots();
    const first = await lists.get(counting(), DATE, NOW, SETTINGS);
    const second = await lists.get(counting(), DATE, new Date(NOW.getTime() + 30_000), SETTINGS);
    assert.equal(builds, 1);
    assert.equal(second, first);
  });

  it('builds it again once the list version moves on (a change here or on another replica), and shows the change', async () => {
    const lists = new ListSnapshots();
    await lists.get(counting(), DATE, NOW, SETTINGS);
    await db().transaction((tx) => reportMissing(tx, report({ childRef: 'SNAP-2', policeRef: 'POL-SN2', reportedAt: at('2026-06-09T07:00:00Z') }), context({ now: NOW })));
    await bumpListVersion(db(), DATE); // what the refresher or the API does after a change
    const after = await lists.get(counting(), DATE, NOW, SETTINGS);
    assert.equal(builds, 2);
    assert.deepEqual(after.missingNow.map((entry) => entry.caseRef).sort(), ['SNAP-1', 'SNAP-2']);
  });

  it('builds it again in the next minute, so hours missing and RHI times stay true', async () => {
    const lists = new ListSnapshots();
    await lists.get(counting(), DATE, NOW, SETTINGS);
    await lists.get(counting(), DATE, new Date(NOW.getTime() + 60_000), SETTINGS);
    assert.equal(builds, 2);
  });

  it('does not keep a build that failed: the next tap tries again', async () => {
    const lists = new ListSnapshots();
    let fail = true;
    const flaky = { ...db(), query: (sql: string, params?: unknown[]) => (fail && /from episodes where id in/.test(sql) ? Promise.reject(new Error('database gone')) : db().query(sql, params)) } as Database;
    await assert.rejects(lists.get(flaky, DATE, NOW, SETTINGS), /database gone/);
    fail = false;
    assert.equal((await lists.get(flaky, DATE, NOW, SETTINGS)).missingNow.length, 1);
  });

  it('knows a card was posted in a conversation without asking again, and asks about one not posted every time', async () => {
    const lists = new ListSnapshots();
    let asked = 0;
    const watched = { ...db(), query: (sql: unknown, params?: unknown[]) => ((asked += (sql as { name?: string }).name === 'posted_cards.was_posted' ? 1 : 0), db().query(sql as string, params)) } as Database;
    const channel = await linkTestChannel(db(), 'http://127.0.0.1:1', '19:posted-here@thread.tacv2', 'police');
    const clock = NOW.getTime();
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'daily_list', clock), false, 'nothing posted yet');
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'daily_list', clock), false);
    assert.equal(asked, 2, 'a no is asked again each time: the card may be posted any moment');
    await recordOnDemandPost(db(), { kind: 'daily_list', listDate: DATE, conversationId: channel.conversationId, reference: channel.reference, displayLevel: 'initials', activityId: 'copy-1', instance: 't', now: NOW, place: 'channel', forUserId: null });
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'daily_list', clock), true);
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'daily_list', clock + 59_000), true);
    assert.equal(asked, 3, 'a yes is kept: the second tap asked nothing');
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'overdue', clock), false, 'another kind of card is another question');
    assert.equal(await lists.posted(watched, channel.conversationId, '2026-06-10', 'daily_list', clock), false, 'and another day');
    assert.equal(await lists.posted(watched, '19:elsewhere@thread.tacv2', DATE, 'daily_list', clock), false, 'and another conversation');
    assert.equal(asked, 6);
    assert.equal(await lists.posted(watched, channel.conversationId, DATE, 'daily_list', clock + 61_000), true);
    assert.equal(asked, 7, 'asked again after a minute');
  });
});
