import type { Queryable } from './db';

/**
 * Many rows in one statement. Several rows go in by `COPY` (PGlite: `FROM '/dev/blob'`, PostgreSQL:
 * `FROM STDIN`): the rows as one text in COPY's own format, parsed by PostgreSQL in one pass, with
 * none of the driver's per-value parameter encoding (on PGlite about a fifth of an import's time in
 * a profile; on PostgreSQL node-postgres building array literals was a quarter of the import's
 * allocations). A suffix (`on conflict …`) needs a statement of its own: those rows, and a
 * connection without COPY, travel a column to an array parameter that `unnest` turns back into
 * rows: one round trip (and one parse) for a batch, the number of parameters the number of columns
 * whatever the batch size.
 */
export type ColumnType = 'uuid' | 'text' | 'int' | 'boolean' | 'date' | 'timestamptz' | 'jsonb' | 'text[]';
export type ColumnTypes = Record<string, ColumnType>;

/** A value as an array element: times as ISO text, so both drivers send them the same way. */
const element = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value === undefined ? null : value);

/** A text[] value as an element of an array parameter: JSON text, since PostgreSQL has no arrays of arrays of differing lengths. */
const arrayElement = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.stringify(value));

/** A value in COPY's text format: `\N` for null, and backslash, tab, newline and carriage return escaped. */
function copyField(type: ColumnType, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (type === 'text[]') text = `{${(value as (string | null)[]).map((item) => (item === null ? 'NULL' : `"${item.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else text = String(value);
  // Most values need no escape: tested first, so that they are not copied.
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (found) => COPY_ESCAPES[found]!) : text;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * The rows as the text `COPY … FROM` reads, one line a row. Built field by field into one string
 * per row and joined once: an import writes a few thousand rows a batch, and the mapped and joined
 * arrays of the first way were a seventh of everything it allocated.
 */
export function copyText(types: readonly ColumnType[], rows: readonly (readonly unknown[])[]): string {
  const lines: string[] = new Array<string>(rows.length + 1);
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    let line = copyField(types[0]!, row[0]);
    for (let column = 1; column < types.length; column++) line += `\t${copyField(types[column]!, row[column])}`;
    lines[index] = line;
  }
  lines[rows.length] = '';
  return lines.join('\n');
}

export async function insertRows(db: Queryable, table: string, columns: ColumnTypes, rows: readonly (readonly unknown[])[], suffix = ''): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  const types = names.map((name) => columns[name]!);
  // One row (an audit entry, most often) as plain parameters in `values`: on PGlite building and
  // unpacking arrays cost as much again as the insert itself (`npm run bench:statements`).
  if (rows.length === 1) {
    const values = types.map((type, index) => (type === 'jsonb' ? `$${index + 1}::text::jsonb` : `$${index + 1}::${type}`));
    await db.query(`insert into ${table} (${names.join(', ')}) values (${values.join(', ')}) ${suffix}`, types.map((type, index) => (type === 'text[]' ? (rows[0]![index] ?? null) : element(rows[0]![index]))));
    return;
  }
  if (db.copyFrom && suffix === '') {
    await db.copyFrom(`${table} (${names.join(', ')})`, copyText(types, rows));
    return;
  }
  // jsonb and text[] travel as text: an array of jsonb would need each element quoted twice.
  const casts = types.map((type, index) => (type === 'jsonb' || type === 'text[]' ? `$${index + 1}::text[]` : `$${index + 1}::${type}[]`));
  const selects = types.map((type, index) =>
    type === 'jsonb' ? `c${index}::jsonb` : type === 'text[]' ? `case when c${index} is null then null else array(select jsonb_array_elements_text(c${index}::jsonb)) end` : `c${index}`,
  );
  const params = types.map((type, index) => rows.map((row) => (type === 'text[]' ? arrayElement(row[index]) : element(row[index]))));
  await db.query(`insert into ${table} (${names.join(', ')}) select ${selects.join(', ')} from unnest(${casts.join(', ')}) as t(${names.map((_, index) => `c${index}`).join(', ')}) ${suffix}`, params);
}
