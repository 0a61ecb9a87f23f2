import type { Queryable } from './db';

/**
 * Many rows in one statement: each column travels as one array parameter and `unnest` turns them
 * back into rows. One round trip (and one parse) for a batch instead of one per row, on both
 * drivers; the number of parameters stays the number of columns whatever the batch size.
 */
export type ColumnTypes = Record<string, 'uuid' | 'text' | 'int' | 'boolean' | 'date' | 'timestamptz' | 'jsonb'>;

/** A value as an array element: times as ISO text, so both drivers send them the same way. */
const element = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value === undefined ? null : value);

/** How a column's value is made from its element, where the element is not the value itself. */
export type ColumnExpressions = Record<string, (element: string) => string>;

export async function insertRows(db: Queryable, table: string, columns: ColumnTypes, rows: readonly (readonly unknown[])[], suffix = '', expressions: ColumnExpressions = {}): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  // One row (an audit entry, most often) as plain parameters in `values`: on PGlite building and
  // unpacking arrays cost as much again as the insert itself (`npm run bench:statements`).
  if (rows.length === 1) {
    const values = names.map((name, index) => {
      const value = columns[name] === 'jsonb' ? `$${index + 1}::text::jsonb` : `$${index + 1}::${columns[name]}`;
      return expressions[name]?.(value) ?? value;
    });
    await db.query(`insert into ${table} (${names.join(', ')}) values (${values.join(', ')}) ${suffix}`, names.map((_, index) => element(rows[0]![index])));
    return;
  }
  // jsonb travels as text: an array of jsonb would need each element quoted twice.
  const casts = names.map((name, index) => (columns[name] === 'jsonb' ? `$${index + 1}::text[]` : `$${index + 1}::${columns[name]}[]`));
  const selects = names.map((name, index) => {
    const value = columns[name] === 'jsonb' ? `c${index}::jsonb` : `c${index}`;
    return expressions[name]?.(value) ?? value;
  });
  const params = names.map((_, index) => rows.map((row) => element(row[index])));
  await db.query(`insert into ${table} (${names.join(', ')}) select ${selects.join(', ')} from unnest(${casts.join(', ')}) as t(${names.map((_, index) => `c${index}`).join(', ')}) ${suffix}`, params);
}
