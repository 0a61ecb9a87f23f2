import assert from 'node:assert/strict';
import { SharedAppBudget } from '../../src/store/sendBudget';
import { forEachDriver } from '../support/databases';

/** Every run of `limit` consecutive moments spans at least the window: no window holds more than `limit`. */
function assertWithinLimit(moments: Date[], limit: number, windowMs: number): void {
  const sorted = moments.map((at) => at.getTime()).sort((a, b) => a - b);
  for (let index = limit; index < sorted.length; index++) {
    assert.ok(sorted[index]! - sorted[index - limit]! >= windowMs, `moment ${index} is ${sorted[index]! - sorted[index - limit]!} ms after moment ${index - limit}: ${limit + 1} in one window`);
  }
}

forEachDriver('the app’s send budget shared by replicas', (db) => {
  beforeEach(async () => db().query(`update send_budget set slots = '{}'`));

  it('lets `limit` requests go at once and puts the next a window after the first', async () => {
    const budget = new SharedAppBudget(db(), { limit: 5, windowMs: 400 });
    const slots = [];
    for (let index = 0; index < 6; index++) slots.push(await budget.reserveSlot());
    assert.ok(slots.slice(0, 5).every((slot) => slot.waitMs < 100), `the first five go at once: ${slots.map((slot) => Math.round(slot.waitMs))}`);
    assert.equal(slots[5]!.at.getTime() - slots[0]!.at.getTime(), 400, 'the sixth is reserved exactly a window after the first');
    assert.ok(slots[5]!.waitMs > 100, 'and is told to wait for it');
  });

  it('holds two replicas reserving at once to the one limit between them, not one each', async () => {
    const window = { limit: 5, windowMs: 300 };
    const [first, second] = [new SharedAppBudget(db(), window), new SharedAppBudget(db(), window)];
    const reserved = await Promise.all(Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? first : second).reserveSlot()));
    const moments = reserved.map((slot) => slot.at);
    assertWithinLimit(moments, 5, 300);
    const spread = Math.max(...moments.map(Number)) - Math.min(...moments.map(Number));
    // 24 requests at 5 a window need four windows after the first burst; a budget each would need two.
    assert.ok(spread >= 4 * 300, `24 requests spread over ${spread} ms`);
  });

  it('counts a request from its answer: the request `limit` places later is planned a window after the answer, for every replica', async () => {
    const window = { limit: 5, windowMs: 400 };
    const [first, second] = [new SharedAppBudget(db(), window), new SharedAppBudget(db(), window)];
    const slots = [];
    for (let index = 0; index < 5; index++) slots.push(await first.reserveSlot());
    // The first request is answered a while after its moment (it arrived late); the others at once.
    await db().query(`select pg_sleep(0.06)`);
    await first.answered(slots[0]!.moment);
    for (const slot of slots.slice(1)) await first.answered(slot.moment);
    const [answeredAt] = await db().query<{ at: Date | string }>(`select slots[cardinality(slots)] as at from send_budget where name = 'app'`);
    const sixth = await second.reserveSlot();
    const answers = (await db().query<{ at: Date | string }>(`select unnest(slots) as at from send_budget where name = 'app'`)).map((row) => new Date(row.at).getTime());
    assert.ok(sixth.at.getTime() - slots[0]!.at.getTime() >= 460, `the sixth, reserved by the other replica, comes a window after the first's answer, not its moment: ${sixth.at.getTime() - slots[0]!.at.getTime()} ms after the moment`);
    assert.ok(new Date(answeredAt!.at).getTime() >= slots[4]!.at.getTime(), 'the answers replaced the moments reserved');
    assert.deepEqual(answers, [...answers].sort((a, b) => a - b), 'the moments are kept in order');
    const row = async () => (await db().query<{ slots: string }>(`select slots::text as slots from send_budget where name = 'app'`))[0]!.slots;
    const before = await row();
    await first.answered(slots[0]!.moment);
    assert.equal(await row(), before, 'a moment no longer in the row (answered already) changes nothing');
  });

  it('refuses plainly when the budget row is missing (a database not migrated), rather than sending unmetered', async () => {
    await assert.rejects(new SharedAppBudget(db(), { limit: 5, windowMs: 300 }, 'nowhere').reserve(), /no send budget named nowhere: the database is not migrated/);
  });
});
