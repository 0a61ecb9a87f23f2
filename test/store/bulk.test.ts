import assert from 'node:assert/strict';
import { insertRows, type ColumnTypes } from '../../src/store/bulk';
import { forEachDriver } from '../support/databases';

/**
 * `insertRows` writes one row as plain parameters and several as arrays through `unnest`: both ways
 * must store the same values, apply the same column expressions and honour the same suffix.
 */
const COLUMNS: ColumnTypes = { id: 'uuid', name: 'text', n: 'int', flag: 'boolean', day: 'date', at: 'timestamptz', details: 'jsonb', tags: 'jsonb' };
const tags = (column: string) => `array(select jsonb_array_elements_text(${column}))`;
const row = (index: number) => [
  `00000000-0000-4000-8000-00000000000${index}`,
  `Test row ${index} "quoted", with a comma`,
  index,
  index % 2 === 0,
  '2026-03-29',
  new Date(`2026-03-29T00:3${index}:00Z`),
  JSON.stringify({ index, nested: { text: 'it\'s' } }),
  JSON.stringify([`tag-${index}`, 'shared']),
];

forEachDriver('insertRows', (db) => {
  beforeEach(async () => db().exec('drop table if exists bulk_probe; create table bulk_probe (id uuid primary key, name text, n int, flag boolean, day date, at timestamptz, details jsonb, tags text[])'));
  afterEach(async () => db().exec('drop table if exists bulk_probe'));

  const stored = async () =>
    (await db().query<Record<string, any>>(`select id, name, n, flag, to_char(day, 'YYYY-MM-DD') as day, at, details, tags from bulk_probe order by n`)).map((found): Record<string, any> => ({ ...found, at: new Date(found.at as string | Date).toISOString() }));

  it('stores one row exactly as it stores the same row among several', async () => {
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(1)], '', { tags });
    const single = await stored();
    await db().exec('delete from bulk_probe');
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(1), row(2), row(3)], '', { tags });
    const several = await stored();
    assert.equal(single.length, 1);
    assert.deepEqual(single[0], several[0]);
    assert.deepEqual(single[0], {
      id: '00000000-0000-4000-8000-000000000001',
      name: 'Test row 1 "quoted", with a comma',
      n: 1,
      flag: false,
      day: '2026-03-29',
      at: '2026-03-29T00:31:00.000Z',
      details: { index: 1, nested: { text: "it's" } },
      tags: ['tag-1', 'shared'],
    });
  });

  it('stores a missing or undefined value as null, one row or several', async () => {
    const sparse = ['00000000-0000-4000-8000-000000000005', undefined, 5];
    await insertRows(db(), 'bulk_probe', COLUMNS, [sparse], '', { tags });
    await insertRows(db(), 'bulk_probe', COLUMNS, [['00000000-0000-4000-8000-000000000006', null, 6], ['00000000-0000-4000-8000-000000000007', undefined, 7]], '', { tags });
    const rows = await stored();
    assert.deepEqual(rows.map((found) => [found.n, found.name, found.flag, found.details, found.tags]), [[5, null, null, null, []], [6, null, null, null, []], [7, null, null, null, []]]);
  });

  it('applies the suffix to one row as to several: a repeated key changes nothing', async () => {
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(1)], 'on conflict (id) do nothing', { tags });
    const changed = [...row(1)];
    changed[1] = 'Changed name';
    await insertRows(db(), 'bulk_probe', COLUMNS, [changed], 'on conflict (id) do nothing', { tags });
    await insertRows(db(), 'bulk_probe', COLUMNS, [changed, row(2)], 'on conflict (id) do nothing', { tags });
    const rows = await stored();
    assert.deepEqual(rows.map((found) => found.name), ['Test row 1 "quoted", with a comma', 'Test row 2 "quoted", with a comma']);
  });
});
