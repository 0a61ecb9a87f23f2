import { PGlite } from '@electric-sql/pglite';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { INSTALL_CACHE, writeWhole } from './installCache';
import { loadMigrations } from './migrate';

/**
 * A new PGlite data directory is a copy of an empty one made once (issue 13, part 3). Making one
 * (PostgreSQL's initdb inside the WebAssembly) takes about 6 s and 770 MB on these machines; copying
 * the 39 MB it leaves takes about 0.2 s. The empty directory depends only on PGlite's build and the
 * settings it was made with, so it is kept under a key of both, in node_modules' cache directory,
 * like any tool's build artefact: a second data directory (a demo reset, a second test service, a
 * bench) starts from the copy. A second kept directory is a copy of the empty one with the
 * service's migrations applied, under a key that adds a digest of them: the service's data
 * directories are copied from that. Neither holds anything but what initdb and the migrations
 * wrote: each is made in a directory of its own, never from a service's data.
 */

/** Where the kept directories are unless a caller says otherwise: the install's cache. */
export const DEFAULT_TEMPLATE_CACHE = join(INSTALL_CACHE, 'pglite');

/** The file PostgreSQL writes in a data directory that is one; copied last, so a copy cut short is not taken for one. */
const MARKER = 'PG_VERSION';
/** A half-made empty directory older than this was left by a process that stopped; it is removed. */
const ABANDONED_MS = 60 * 60 * 1000;

export type DataDirMade = 'existing' | 'copied' | 'created';

export interface TemplateOptions {
  /** The directory the empty data directories are kept in; `null` makes every one with initdb in place. */
  cache?: string | null;
  /**
   * A directory of migrations (src/store/migrations) to copy the data directory from the empty one
   * with these applied; without it, from the empty one.
   */
  migrations?: string;
}

/** Errors that say the cache cannot be written (a read-only install, no space): the caller does without it. */
const CACHE_UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC']);
const cacheUnwritable = (error: unknown): boolean => CACHE_UNWRITABLE.has((error as NodeJS.ErrnoException).code ?? '');

/** PGlite's options, as the service opens it: the empty directory is made with the same. */
export type PgliteStartOptions = { startParams: string[] };

const making = new Map<string, Promise<string>>();

function pgliteVersion(): string {
  const entry = require.resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The kept empty directory's name: PGlite's version and a digest of the options it is made with. */
export function templateKey(options: PgliteStartOptions): string {
  return `${pgliteVersion()}-${createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16)}`;
}

/** Runs `script` in a node process of its own; rejects with what it wrote to stderr. */
async function runInChildProcess(script: string, failure: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${failure}: ${stderr.trim() || `exit ${code}`}`))));
  });
}

/** Runs initdb into `dataDir` in a process of its own: it grows the WASM heap to about 770 MB, which a process never gives back. */
export async function initdbInChildProcess(dataDir: string, options: PgliteStartOptions): Promise<void> {
  const entry = require.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(entry)});
    const db = new PGlite(${JSON.stringify(resolve(dataDir))}, ${JSON.stringify(options)});
    db.waitReady.then(() => db.close()).catch((error) => { console.error(error.message); process.exit(1); });`;
  await runInChildProcess(script, `could not create the database in ${dataDir}`);
}

/**
 * Applies the migrations in `migrationsDir` to the data directory `dataDir` in a process of its own,
 * with the service's own `openPglite` and `migrate`: the kept directory is then what any service's
 * first start would have made of an empty one, before it wrote anything of its own.
 */
export async function migrateInChildProcess(dataDir: string, migrationsDir: string): Promise<void> {
  const module = (name: string) => JSON.stringify(join(__dirname, `${name}${extname(__filename)}`));
  // From the sources (tests, benches under tsx) the child registers tsx first, as the PGlite worker does.
  const script = `${extname(__filename) === '.ts' ? "require('tsx/cjs');" : ''}
    const { openPglite } = require(${module('db')});
    const { migrate, loadMigrations } = require(${module('migrate')});
    (async () => {
      const db = await openPglite(${JSON.stringify(resolve(dataDir))});
      try { await migrate(db, loadMigrations(${JSON.stringify(resolve(migrationsDir))})); } finally { await db.close(); }
    })().catch((error) => { console.error(error.message); process.exit(1); });`;
  await runInChildProcess(script, `could not migrate the database in ${dataDir}`);
}

/** Removes what `cache` holds named with `prefix` (but not with `keep`) and untouched for an hour: left by a process that stopped, or outdated. */
function removeStale(cache: string, prefix: string, keep?: string): void {
  for (const name of readdirSync(cache)) {
    if (!name.startsWith(prefix) || (keep !== undefined && name.startsWith(keep))) continue;
    const path = join(cache, name);
    if (Date.now() - statSync(path).mtimeMs > ABANDONED_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Moves a finished empty directory to its kept place. Another process may have put one there first
 * (renaming onto a directory that is not empty fails): then that one is kept and this one removed.
 */
export function installTemplate(made: string, kept: string): void {
  try {
    renameSync(made, kept);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(join(kept, MARKER))) rmSync(made, { recursive: true, force: true });
    else throw error;
  }
}

/**
 * The directory kept under `key`, made first by `make` (into a directory of its own, renamed into
 * place once finished) if there is none; one making at a time in a process.
 */
async function keptDirectory(cache: string, key: string, make: (made: string) => Promise<void>): Promise<string> {
  const kept = join(cache, key);
  if (existsSync(join(kept, MARKER))) return kept;
  let pending = making.get(kept);
  if (!pending) {
    pending = (async () => {
      mkdirSync(cache, { recursive: true });
      removeStale(cache, `${key}.making-`);
      const made = mkdtempSync(join(cache, `${key}.making-`));
      try {
        await make(made);
        installTemplate(made, kept);
      } catch (error) {
        rmSync(made, { recursive: true, force: true });
        throw error;
      }
      return kept;
    })().finally(() => making.delete(kept));
    making.set(kept, pending);
  }
  return pending;
}

/** The kept empty directory for these options, made first if there is none (once at a time in a process). */
export async function pgliteTemplate(cache: string, options: PgliteStartOptions): Promise<string> {
  return keptDirectory(cache, templateKey(options), (made) => initdbInChildProcess(made, options));
}

/** A digest of the migrations in `dir` (their numbers, names and SQL): a changed or added one makes another key. */
export function migrationsKey(dir: string): string {
  return createHash('sha256').update(JSON.stringify(loadMigrations(dir))).digest('hex').slice(0, 16);
}

/**
 * The kept empty directory with the migrations in `migrationsDir` applied, made first if there is
 * none: a copy of the empty one, migrated in a process of its own. A fresh start then asks only
 * which migrations are applied (0.5–1 s of migrations on an empty database saved). Its
 * `schema_migrations.applied_at` is when the kept directory was made, not when it was copied.
 */
export async function migratedTemplate(cache: string, options: PgliteStartOptions, migrationsDir: string): Promise<string> {
  const empty = await pgliteTemplate(cache, options);
  const migrated = `${templateKey(options)}-m`;
  const key = `${migrated}${migrationsKey(migrationsDir)}`;
  return keptDirectory(cache, key, async (made) => {
    // Those made for migrations since changed go (40 MB each), once an hour has passed since they were made.
    removeStale(cache, migrated, key);
    copyTemplate(empty, made);
    await migrateInChildProcess(made, migrationsDir);
  });
}

/**
 * Copies a kept directory (`template`) into `dataDir`, its marker last. If the copy fails part way,
 * what it added is removed again and the failure thrown: `dataDir` is left as it was found.
 */
export function copyTemplate(template: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const found = new Set(readdirSync(dataDir));
  const entries = readdirSync(template).filter((name) => name !== MARKER);
  try {
    for (const name of entries) cpSync(join(template, name), join(dataDir, name), { recursive: true, force: true });
    copyFileSync(join(template, MARKER), join(dataDir, MARKER));
  } catch (error) {
    for (const name of [...entries, MARKER]) if (!found.has(name)) rmSync(join(dataDir, name), { recursive: true, force: true });
    throw error;
  }
}

/**
 * Makes `dataDir` a PGlite data directory unless it is one: a copy of the kept empty directory, or
 * of the kept one with `migrations` applied when they are given, made first if needed. Where the
 * cache cannot be written (a read-only install) or `cache` is `null`, initdb runs in `dataDir`
 * itself, as it always did (the service's `migrate` then applies the migrations). Answers what it did.
 */
export async function makePgliteDataDir(dataDir: string, options: PgliteStartOptions, { cache = DEFAULT_TEMPLATE_CACHE, migrations }: TemplateOptions = {}): Promise<DataDirMade> {
  if (existsSync(join(dataDir, MARKER))) return 'existing';
  let template: string | undefined;
  if (cache !== null) {
    try {
      template = await pgliteTemplate(cache, options);
    } catch (error) {
      // Only a cache that cannot be written is passed over; initdb failing is initdb failing.
      if (!cacheUnwritable(error)) throw error;
    }
    if (template && migrations) {
      try {
        template = await migratedTemplate(cache, options, migrations);
      } catch {
        // The empty one then: the service's own `migrate` applies them on it, and a migration that
        // fails fails there, with its error, as it always did.
      }
    }
  }
  if (!template) {
    await initdbInChildProcess(dataDir, options);
    return 'created';
  }
  copyTemplate(template, dataDir);
  return 'copied';
}

/**
 * The kept empty directory as the tar archive PGlite loads an in-memory database from (tests and
 * benches open one per suite): made once beside the directory, from a copy of it (opening a
 * directory writes to it). Loading it took 1.7–2.2 s where an in-memory initdb took 4–5.4 s, and
 * the WASM heap of the process that opens it does not grow to initdb's 770 MB. Answers `null`
 * where the cache cannot be written: the caller then runs initdb in memory as before.
 */
export async function pgliteArchive(options: PgliteStartOptions, { cache = DEFAULT_TEMPLATE_CACHE }: TemplateOptions = {}): Promise<Blob | null> {
  if (cache === null) return null;
  try {
    const template = await pgliteTemplate(cache, options);
    const archive = `${template}.tar`;
    if (!existsSync(archive)) {
      const copy = mkdtempSync(`${template}.archiving-`);
      try {
        copyTemplate(template, copy);
        const db = new PGlite(copy, options);
        // Dumped only once started: asked before, the dump waits for ever.
        await db.waitReady;
        const dumped = await db.dumpDataDir('none');
        await db.close();
        // Written whole: a reader never sees half an archive.
        writeWhole(archive, Buffer.from(await dumped.arrayBuffer()));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
    return new Blob([readFileSync(archive)]);
  } catch (error) {
    if (cacheUnwritable(error)) return null;
    throw error;
  }
}
