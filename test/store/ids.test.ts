import assert from 'node:assert/strict';
import { newId } from '../../src/store/ids';

describe('row ids', () => {
  it('are UUIDs of version 7 whose order is the order they were made in (so indexes on them grow at one end)', () => {
    const ids = Array.from({ length: 1_000 }, () => newId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids, 'made one after another, they sort as made');
    assert.equal(new Set(ids).size, ids.length);
  });
});
