/**
 * npm run bench:statements: what one `list.page` tap costs in the database, statement by statement,
 * against `select 1` on the same connection in the same run (issue 13, part 1). On PGlite every
 * statement runs on the service's own thread, so its cost is taken straight from the throughput.
 * Each line: the median over BENCH_ROUNDS (7) rounds of BENCH_CALLS (500) calls, in µs a call.
 * Beside the statement a tap runs now (the posted check, the page remembered and the audit entry:
 * `turnPage`, a prepared statement, and the same text parsed and planned at each call as before),
 * those it ran before: the person's grants, the channel's standing and the list version (kept in
 * memory now while changes are heard: src/store/changeFeed.ts), the posted check and the page
 * remembered as two statements, the channel's whole row (read before those); and two audit entries
 * in one statement (COPY on PGlite, `unnest` on PostgreSQL).
 */
import { median } from './median';
import { driversFrom, runPerDriver } from './results';
import { seedMissing } from './seed';
import { auditMany, auditRow } from '../src/store/repositories';
import { prepared } from '../src/store/db';
import { channelStanding, findChannel } from '../src/store/channels';
import { grantsOf } from '../src/store/grants';
import { claimScheduledPost, listVersion, markSent, turnPage, TURN_PAGE_AUDITED, wasPosted } from '../src/store/postedCards';
import type { Database } from '../src/store/db';
import { linkTestChannel } from '../test/support/channels';
import { openTestDatabase } from '../test/support/databases';

const NOW = new Date('2026-06-09T08:00:00Z');
const DATE = '2026-06-09';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const DRIVERS = driversFrom('BENCH_STATEMENT_DRIVERS');
const CONVERSATION = '19:bench-police@thread.tacv2';
const DISCLOSED = { agency: 'police', kind: 'daily_list', listDate: DATE, page: 0, displayLevel: 'summary' };
const entry = { actor: 'bench-officer', actorName: 'Bench Officer', actorKind: 'teams' as const, action: 'list.disclosed', conversationId: CONVERSATION, details: DISCLOSED };

const SELECT_ONE = prepared('bench.select_one', 'select 1');
const turnPageParams = [CONVERSATION, DATE, 'daily_list', 0, ...auditRow(entry)];

async function run(driver: 'pglite' | 'postgres'): Promise<void> {
  const db: Database = await openTestDatabase(driver);
  try {
    await seedMissing(db, NOW);
    const channel = await linkTestChannel(db, 'http://127.0.0.1:9', CONVERSATION, 'police');
    const post = await claimScheduledPost(db, channel, 'daily_list', DATE, { instance: 'bench', now: NOW, staleAfterMs: 60_000, retryAfterMs: 60_000, maxAttempts: 3 });
    await markSent(db, post!.id, 'bench-activity', NOW);
    const statements: [string, () => Promise<unknown>][] = [
      ['select 1 (the baseline)', () => db.query('select 1')],
      ['  select 1, prepared', () => db.query(SELECT_ONE)],
      ['  before: roles granted to the person', () => grantsOf(db, 'bench-officer')],
      ['  before: the channel: where a tap comes from', () => channelStanding(db, CONVERSATION)],
      ['  earlier: the channel’s whole row', () => findChannel(db, CONVERSATION)],
      ['  before: the card was posted here', () => wasPosted(db, CONVERSATION, DATE, 'daily_list')],
      ['  before: the page remembered (unchanged)', () => db.query(`update posted_cards set page = $4 where conversation_id = $1 and list_date = $2 and kind = $3 and page <> $4`, [CONVERSATION, DATE, 'daily_list', 0])],
      ['  turnPage without the disclosure', () => turnPage(db, CONVERSATION, DATE, 'daily_list', 0)],
      ['a page tap: turnPage, disclosure audited', () => turnPage(db, CONVERSATION, DATE, 'daily_list', 0, entry)],
      ['  the same, parsed and planned each call', () => db.query(TURN_PAGE_AUDITED.text, turnPageParams)],
      ['  before: the list version (kept for a page tap now)', () => listVersion(db, DATE)],
      ['the list.disclosed audit entry', () => auditMany(db, [entry])],
      ['  two entries in one statement (COPY on PGlite)', () => auditMany(db, [entry, entry])],
    ];
    const perCall = async (work: () => Promise<unknown>) => ((await median(ROUNDS, async () => { for (let call = 0; call < CALLS; call++) await work(); })) * 1000) / CALLS;
    // One warming pass: the first calls plan and cache what the rest reuse.
    for (const [, work] of statements) for (let call = 0; call < 50; call++) await work();
    const costs: [string, number][] = [];
    for (const [name, work] of statements) costs.push([name, await perCall(work)]);
    const base = costs[0]![1];
    console.log(`${driver}: ${ROUNDS} rounds of ${CALLS} calls, median µs a call`);
    for (const [name, cost] of costs) {
      console.log(`  ${name.padEnd(54)} ${cost.toFixed(0).padStart(6)} µs  ${(cost / base).toFixed(2).padStart(5)}× select 1`);
    }
  } finally {
    await db.close();
  }
}

if (require.main === module) runPerDriver('statements', DRIVERS, run);
