import assert from 'node:assert/strict';
import { acknowledge, acknowledgementsOn, alreadySeen } from '../../src/store/acknowledgements';
import { forEachDriver } from '../support/databases';

const DATE = '2026-06-09';
const input = (seen: string[], at = '2026-06-09T08:00:00Z') => ({ listDate: DATE, agency: 'police' as const, childId: null, userId: 'u-1', userName: 'Pat Police', conversationId: 'c-1', at: new Date(at), seen });

/** What an agency has seen only grows: an acknowledgement records what is new on the card, and nothing when nothing is. */
forEachDriver('acknowledge', (db) => {
  it('records the first, then only a card showing something new, keeping the union of what was seen', async () => {
    assert.equal(await acknowledge(db(), input(['b', 'a'])), true, 'the first');
    assert.equal(await acknowledge(db(), input(['a', 'b'], '2026-06-09T08:05:00Z')), false, 'the same keys in another order');
    assert.equal(await acknowledge(db(), input(['a'], '2026-06-09T08:06:00Z')), false, 'fewer');
    assert.equal(await acknowledge(db(), input([], '2026-06-09T08:07:00Z')), false, 'none');
    assert.equal(await acknowledge(db(), input(['c', 'a'], '2026-06-09T08:10:00Z')), true, 'one new');
    const [row] = await acknowledgementsOn(db(), DATE);
    assert.deepEqual(row!.seen, ['a', 'b', 'c']);
    assert.deepEqual(row!.at, new Date('2026-06-09T08:10:00Z'), 'the time of the last that added something');
    assert.equal(alreadySeen([row!], 'police', null, ['c', 'b']), true);
    assert.equal(alreadySeen([row!], 'police', null, ['d']), false);
    assert.equal(alreadySeen([row!], 'health', null, []), false, 'another agency has acknowledged nothing');
  });

  it('answers a list of keys it found covered again the same, and still finds a changed list not covered', async () => {
    await acknowledge(db(), input(['a', 'b', 'c']));
    const [row] = await acknowledgementsOn(db(), DATE);
    const card = ['c', 'b'];
    assert.equal(alreadySeen([row!], 'police', null, card), true);
    card.push('d'); // the caller's array changed after it was found covered
    assert.equal(alreadySeen([row!], 'police', null, card), false, 'one key more');
    assert.equal(alreadySeen([row!], 'police', null, ['c', 'b']), true, 'the list as it was');
    assert.equal(alreadySeen([row!], 'police', null, ['c', 'x']), false, 'one key other');
    assert.equal(alreadySeen([row!], 'police', null, ['c\nb']), false, 'the same characters as one key');
    // More lists found covered than are kept: each is still answered by the keys themselves.
    for (let round = 0; round < 2; round++) {
      for (const list of [['a'], ['b'], ['c'], ['a', 'b'], ['b', 'a'], ['a', 'c'], ['c', 'a'], ['b', 'c'], ['a', 'b', 'c'], ['c', 'b', 'a']]) {
        assert.equal(alreadySeen([row!], 'police', null, list), true, list.join());
      }
      assert.equal(alreadySeen([row!], 'police', null, ['a', 'e']), false);
    }
  });

  it('compares 300 keys as sets', async () => {
    const keys = Array.from({ length: 300 }, (_, index) => `TEST-${String(index).padStart(4, '0')}|2026-06-09T07:00:00.000Z|medium`);
    assert.equal(await acknowledge(db(), input(keys)), true);
    assert.equal(await acknowledge(db(), input([...keys].reverse())), false);
    assert.equal(await acknowledge(db(), input([...keys.slice(1), 'TEST-0300|new'])), true);
    assert.equal((await acknowledgementsOn(db(), DATE))[0]!.seen.length, 301);
  });
});
