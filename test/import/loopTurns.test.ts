import assert from 'node:assert/strict';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import { importEpisodesCsv } from '../../src/import/importer';
import { loopTurns } from '../../src/import/loopTurns';
import type { Database } from '../../src/store/db';
import { openTestDatabase } from '../support/databases';
import { context } from '../support/recording';

/** Whether a callback queued for the loop's next turn has run by the time `work` resolves. */
async function turnedDuring(work: () => Promise<void>): Promise<boolean> {
  let ran = false;
  setImmediate(() => (ran = true));
  await work();
  return ran;
}

describe('loopTurns', () => {
  it('resolves without a turn of the loop until the time given has gone by, then turns once and counts again', async () => {
    let clock = 1_000;
    const turn = loopTurns(5, () => clock);
    assert.equal(await turnedDuring(turn), false, 'no time has gone by');
    clock += 4.9;
    assert.equal(await turnedDuring(turn), false, 'less than 5 ms of work');
    clock += 0.1;
    assert.equal(await turnedDuring(turn), true, '5 ms of work: a turn');
    assert.equal(await turnedDuring(turn), false, 'counted again from the turn');
    clock += 5;
    assert.equal(await turnedDuring(turn), true);
  });
});

/** Turns of the event loop while `work` runs: a callback that queues itself for each next turn. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return turns;
}

const ROWS = 640;
const file = (prefix: string) =>
  `${NATIVE_COLUMNS.join(',')}\n${Array.from({ length: ROWS }, (_, index) => `${prefix}-${index},Kit,Example,2012-01-02,N,,home,2026-05-01T10:00,2026-05-01T12:00,low,POL-${prefix}-${index},,,,`).join('\n')}\n`;

/**
 * On PGlite in this thread, whose work never turns the loop (its statements run in WebAssembly
 * behind a promise), so that every turn counted is the import's own. Where the database is across
 * a socket or a thread the loop also turns whenever the import waits, which says nothing of its
 * stretches of checking; what the turns gain there is measured by `npm run bench:import`.
 */
describe('an import reading and checking rows, told to turn the loop at every chance', () => {
  let db: Database;
  before(async () => (db = await openTestDatabase('pglite')));
  after(async () => db.close());
  const importing = (prefix: string, turnEveryMs: number, shareConnection = false) =>
    turnsDuring(() => importEpisodesCsv(db, file(prefix), context(), { skipInvalid: false, timeZone: 'Europe/London', turnEveryMs, shareConnection }));

  it('turns it every 64 rows read and every 64 checked, where told never it does not turn at all', async function () {
    this.timeout(60_000);
    assert.equal(await importing('NEVER', 1e9), 0, 'nothing else turns the loop during this import');
    assert.equal(await importing('ALWAYS', 0), (2 * ROWS) / 64, 'a turn for every 64 rows read and every 64 checked');
  });

  it('turns it as often when it shares the connection (the service\'s import on the embedded database)', async function () {
    this.timeout(60_000);
    const never = await importing('SNEVER', 1e9, true);
    const always = await importing('SALWAYS', 0, true);
    // Told never, the loop still turns between the short transactions, to let the service in.
    assert.ok(always - never >= ROWS / 64, `${always} turns told 0 ms, ${never} told never`);
  });
});
