import assert from 'node:assert/strict';
import { copyText, insertRows, type ColumnTypes } from '../../src/store/bulk';
import type { Queryable } from '../../src/store/db';
import { forEachDriver } from '../support/databases';

/**
 * `insertRows` writes one row as plain parameters, several as `COPY` text (PGlite from a blob,
 * PostgreSQL from the client) and as arrays through `unnest` wherever a suffix is given or the
 * connection has no COPY: every way must store the same values and honour the same suffix.
 */
const COLUMNS: ColumnTypes = { id: 'uuid', name: 'text', n: 'int', flag: 'boolean', day: 'date', at: 'timestamptz', details: 'jsonb', tags: 'text[]' };
/** Text COPY's format gives a meaning to: tab, newline, carriage return, backslash, `\N`; and what an array literal does: quotes, commas, braces. */
const AWKWARD = 'tab\there, line\nbreak, cr\r, back\\slash, \\N, "quoted", {braced}, it\'s, 🙂';
const row = (index: number) => [
  `00000000-0000-4000-8000-00000000000${index}`,
  `Test row ${index} ${AWKWARD}`,
  index,
  index % 2 === 0,
  '2026-03-29',
  new Date(`2026-03-29T00:3${index}:00Z`),
  JSON.stringify({ index, nested: { text: AWKWARD } }),
  [`tag-${index}`, 'shared', AWKWARD, 'NULL', ''],
];

forEachDriver('insertRows', (db, driver) => {
  beforeEach(async () => db().exec('drop table if exists bulk_child; drop table if exists bulk_probe; create table bulk_probe (id uuid primary key, name text, n int, flag boolean, day date, at timestamptz, details jsonb, tags text[])'));
  afterEach(async () => db().exec('drop table if exists bulk_child; drop table if exists bulk_probe'));

  const stored = async () =>
    (await db().query<Record<string, any>>(`select id, name, n, flag, to_char(day, 'YYYY-MM-DD') as day, at, details, tags from bulk_probe order by n`)).map((found): Record<string, any> => ({ ...found, at: new Date(found.at as string | Date).toISOString() }));
  /** The same database without COPY: several rows go through `unnest`. */
  const withoutCopy = (): Queryable => ({ query: (sql, params) => db().query(sql, params), exec: (sql) => db().exec(sql) });
  let copies = 0;
  const counting = (): Queryable => ({ ...db(), copyFrom: db().copyFrom && ((into: string, text: string) => (copies++, db().copyFrom!(into, text))) });

  it('stores one row exactly as it stores the same row among several, by COPY or by unnest', async () => {
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(1)]);
    const single = await stored();
    await db().exec('delete from bulk_probe');
    copies = 0;
    await insertRows(counting(), 'bulk_probe', COLUMNS, [row(1), row(2), row(3)]);
    assert.equal(copies, 1, `${driver} copies several rows`);
    const several = await stored();
    await db().exec('delete from bulk_probe');
    await insertRows(withoutCopy(), 'bulk_probe', COLUMNS, [row(1), row(2), row(3)]);
    const unnested = await stored();
    assert.equal(single.length, 1);
    assert.deepEqual(single[0], several[0]);
    assert.deepEqual(several, unnested);
    assert.deepEqual(single[0], {
      id: '00000000-0000-4000-8000-000000000001',
      name: `Test row 1 ${AWKWARD}`,
      n: 1,
      flag: false,
      day: '2026-03-29',
      at: '2026-03-29T00:31:00.000Z',
      details: { index: 1, nested: { text: AWKWARD } },
      tags: ['tag-1', 'shared', AWKWARD, 'NULL', ''],
    });
  });

  it('stores a missing or undefined value as null, one row or several, by COPY or by unnest', async () => {
    const sparse = ['00000000-0000-4000-8000-000000000005', undefined, 5];
    await insertRows(db(), 'bulk_probe', COLUMNS, [sparse]);
    await insertRows(db(), 'bulk_probe', COLUMNS, [['00000000-0000-4000-8000-000000000006', null, 6], ['00000000-0000-4000-8000-000000000007', undefined, 7]]);
    await insertRows(withoutCopy(), 'bulk_probe', COLUMNS, [['00000000-0000-4000-8000-000000000008', null, 8, null, null, null, null, []], ['00000000-0000-4000-8000-000000000009', undefined, 9]]);
    const rows = await stored();
    assert.deepEqual(
      rows.map((found) => [found.n, found.name, found.flag, found.details, found.tags]),
      [[5, null, null, null, null], [6, null, null, null, null], [7, null, null, null, null], [8, null, null, null, []], [9, null, null, null, null]],
    );
  });

  it('applies the suffix to one row as to several: a repeated key changes nothing', async () => {
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(1)], 'on conflict (id) do nothing');
    const changed = [...row(1)];
    changed[1] = 'Changed name';
    await insertRows(db(), 'bulk_probe', COLUMNS, [changed], 'on conflict (id) do nothing');
    await insertRows(db(), 'bulk_probe', COLUMNS, [changed, row(2)], 'on conflict (id) do nothing');
    const rows = await stored();
    assert.deepEqual(rows.map((found) => found.name), [`Test row 1 ${AWKWARD}`, `Test row 2 ${AWKWARD}`]);
  });

  it('stores nothing of several rows when one breaks a constraint, by COPY as by unnest', async () => {
    const clash = [row(1), row(2), row(1)];
    await assert.rejects(insertRows(db(), 'bulk_probe', COLUMNS, clash), /duplicate key value violates unique constraint/);
    await assert.rejects(insertRows(withoutCopy(), 'bulk_probe', COLUMNS, clash), /duplicate key value violates unique constraint/);
    assert.deepEqual(await stored(), []);
  });

  it('copies after the statements asked before it in a transaction, without waiting for their answers', async () => {
    await db().exec('create table bulk_child (parent uuid not null references bulk_probe (id), n int)');
    const parent = row(1)[0] as string;
    await db().transaction(async (tx) => {
      // Asked, not awaited: the copy's rows name the row this insert makes, so they fail unless it ran first.
      const inserted = tx.query('insert into bulk_probe (id, n) values ($1, 1)', [parent]);
      const copied = insertRows(tx, 'bulk_child', { parent: 'uuid', n: 'int' }, [[parent, 1], [parent, 2]]);
      await Promise.all([inserted, copied]);
    });
    assert.deepEqual(await db().query('select n from bulk_child order by n'), [{ n: 1 }, { n: 2 }]);
  });

  it('fails a transaction whose copy breaks a constraint, with the database\'s reason, and stores nothing of it', async () => {
    await db().exec('create table bulk_child (parent uuid not null references bulk_probe (id), n int)');
    await assert.rejects(
      db().transaction(async (tx) => {
        await insertRows(tx, 'bulk_probe', COLUMNS, [row(1), row(2)]);
        await insertRows(tx, 'bulk_child', { parent: 'uuid', n: 'int' }, [[row(1)[0], 1], ['00000000-0000-4000-8000-0000000000ff', 2]]);
      }),
      /violates foreign key constraint/,
    );
    assert.deepEqual(await stored(), []);
    // The connection is usable afterwards (PostgreSQL: the pool's next statement answers).
    await insertRows(db(), 'bulk_probe', COLUMNS, [row(3), row(4)]);
    assert.deepEqual((await stored()).map((found) => found.n), [3, 4]);
  });
}, { worker: true });

describe('copyText', () => {
  it('writes a row a line, fields split by tabs, with COPY\'s escapes and \\N for null', () => {
    const text = copyText(['text', 'int', 'boolean', 'text[]', 'timestamptz', 'text'], [
      ['a\tb\nc\\d\re', 1, true, ['x"y', 'p\\q', null], new Date('2026-03-29T01:00:00Z'), null],
      ['', 0, false, [], undefined, '\\N'],
    ]);
    assert.equal(text, 'a\\tb\\nc\\\\d\\re\t1\tt\t{"x\\\\"y","p\\\\\\\\q",NULL}\t2026-03-29T01:00:00.000Z\t\\N\n\t0\tf\t{}\t\\N\t\\\\N\n');
  });
});
