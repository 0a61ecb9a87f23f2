import assert from 'node:assert/strict';
import { loadDailyList } from '../../src/lists/dailyListService';
import { reportMissing } from '../../src/recording/service';
import { episodesNear, latestEpisodesOfChild, loadListRecords, recentEpisodesOfChild } from '../../src/store/repositories';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z');

forEachDriver('the list’s reads with years of history', (db, driver) => {
  /** 3,000 invented children, each with one episode in 2018 that ended a day later and never had an RHI. */
  const loadHistory = () =>
    db().exec(`
      insert into children (id, ref, given_name, family_name, looked_after)
        select gen_random_uuid(), 'HIST-' || n, 'Hist', 'Synthetic' || n, false from generate_series(1, 3000) n;
      insert into episodes (id, child_id, kind, reported_at, returned_at, source)
        select gen_random_uuid(), c.id, 'missing_from_home', timestamptz '2018-03-01 10:00+00' + (row_number() over ()) * interval '1 hour',
               timestamptz '2018-03-02 10:00+00' + (row_number() over ()) * interval '1 hour', 'import'
          from children c where c.ref like 'HIST-%';`);

  it('reads only the open episodes, recent returns and the escalation window, whatever lies behind them', async () => {
    await loadHistory();
    for (const [index, hours] of [2, 30, 200].entries()) {
      await db().transaction((tx) => reportMissing(tx, report({ childRef: `LIVE-${index}`, policeRef: `POL-LIVE-${index}`, reportedAt: new Date(NOW.getTime() - hours * 3_600_000) }), context({ now: NOW })));
    }
    const records = await loadListRecords(db(), NOW, at('2026-05-12T08:00:00Z'), at('2026-03-11T08:00:00Z'));
    assert.deepEqual([records.episodes.length, records.children.length], [3, 3], 'not one of the 3,000 historical episodes is read');
    const list = await loadDailyList(db(), '2026-06-09', NOW, SETTINGS);
    assert.deepEqual([list.counts.missingNow, list.counts.rhisOverdue, list.rhis.length], [3, 0, 0], 'history never shows as overdue');
  });

  it('reads a child’s card and history from its recent episodes, however many it has had', async () => {
    const { value: open } = await db().transaction((tx) => reportMissing(tx, report({ childRef: 'LONG-1', policeRef: 'POL-LONG', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    await db().exec(`
      insert into episodes (id, child_id, kind, reported_at, returned_at, source)
        select gen_random_uuid(), '${open.childId}', 'missing_from_home', timestamptz '2019-01-01 00:00+00' + n * interval '2 days',
               timestamptz '2019-01-01 06:00+00' + n * interval '2 days', 'import' from generate_series(1, 500) n;
      insert into episodes (id, child_id, kind, reported_at, returned_at, source)
        values (gen_random_uuid(), '${open.childId}', 'missing_from_home', '2026-05-01 10:00+00', '2026-05-01 20:00+00', 'import');`);
    const recent = await recentEpisodesOfChild(db(), open.childId, at('2026-03-11T08:00:00Z'));
    assert.deepEqual(recent.map((episode) => episode.reportedAt.toISOString()), ['2026-05-01T10:00:00.000Z', '2026-06-09T02:00:00.000Z'], 'the window and the open one, not 500 from 2019–2021');
    const latest = await latestEpisodesOfChild(db(), open.childId, 20);
    assert.deepEqual([latest.episodes.length, latest.total, latest.episodes[0]!.reportedAt.toISOString()], [20, 502, '2026-06-09T02:00:00.000Z']);
    const near = await episodesNear(db(), open.childId, at('2026-04-30T00:00:00Z'), at('2026-05-02T00:00:00Z'));
    assert.deepEqual(near.map((episode) => episode.reportedAt.toISOString()), ['2026-05-01T10:00:00.000Z'], 'the overlap check reads only neighbours');
  });

  if (driver === 'postgres') {
    it('plans each part of the read through an index on PostgreSQL (no scan of all episodes)', async () => {
      await loadHistory();
      await db().exec('analyze episodes');
      const plan = (await db().query<{ 'QUERY PLAN': string }>(
        `explain select id from episodes where returned_at is null and reported_at <= $1
           union select id from episodes where returned_at > $2 and reported_at <= $1
           union select id from episodes where reported_at > $3 and reported_at <= $1`,
        [NOW, at('2026-05-12T08:00:00Z'), at('2026-03-11T08:00:00Z')],
      )).map((row) => row['QUERY PLAN']).join('\n');
      assert.ok(!/Seq Scan on episodes/.test(plan), plan);
      for (const index of ['episodes_open', 'episodes_returned', 'episodes_reported']) assert.match(plan, new RegExp(index), plan);
    });
  }
});
