import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db';

export const MIGRATIONS_DIR = join(__dirname, 'migrations');
/** Any fixed number: replicas starting together take turns to migrate. */
const MIGRATION_LOCK = 7_240_611;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }));
  // Two files with one number: the second would be skipped as applied, silently.
  const clash = migrations.find((migration, index) => index > 0 && migrations[index - 1]!.version === migration.version);
  if (clash) throw new Error(`Two migrations are numbered ${clash.version}: renumber ${clash.name}.`);
  return migrations;
}

/** The versions recorded as applied; none where the table of them does not exist yet. */
async function appliedVersions(db: Database): Promise<Set<number>> {
  const [table] = await db.query<{ present: boolean }>("select to_regclass('schema_migrations') is not null as present");
  if (!table?.present) return new Set();
  return new Set((await db.query<{ version: number }>('select version from schema_migrations')).map((row) => row.version));
}

/**
 * Applies the migrations not yet applied, each in its own transaction. Returns the versions applied.
 * A start with every one applied (every restart) asks which are, once, and takes no lock: an applied
 * migration stays applied, so the answer cannot go stale.
 */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<number[]> {
  const known = await appliedVersions(db);
  if (migrations.every((migration) => known.has(migration.version))) return [];
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`create table if not exists schema_migrations (
      version int primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const rows = await tx.query('select 1 from schema_migrations where version = $1', [migration.version]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
