import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import fs, { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { initPgliteDataDir, openPglite, pgliteOptions } from '../../src/store/db';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../../src/store/migrate';
import { installTemplate, makePgliteDataDir, migrationsKey, pgliteArchive, templateKey } from '../../src/store/pgliteTemplate';

/** What `dir` holds besides PostgreSQL's own catalogs: the tables a service or a test made. */
async function userTables(dataDir: string): Promise<string[]> {
  const db = new PGlite(dataDir);
  try {
    const { rows } = await db.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' order by 1");
    return rows.map((row) => row.name);
  } finally {
    await db.close();
  }
}

/** The tables the service's migrations make, as a database migrated where it stands holds them. */
async function serviceTables(): Promise<string[]> {
  const db = await openPglite();
  try {
    await migrate(db);
    return (await db.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' order by 1")).map((row) => row.name);
  } finally {
    await db.close();
  }
}

/** A directory of migrations: the service's own and `extra` (file name to SQL). */
function migrationsWith(dir: string, extra: Record<string, string>, own = true): string {
  mkdirSync(dir);
  if (own) for (const name of readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(join(MIGRATIONS_DIR, name), join(dir, name));
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

/** A new directory holding one small file. */
function directoryWith(dir: string, file: string): string {
  mkdirSync(dir);
  writeFileSync(join(dir, file), '17\n');
  return dir;
}

/**
 * A new PGlite data directory is a copy of an empty one made once (issue 13, part 3): initdb took
 * about 6 s of a fresh start, the copy about 0.2 s.
 */
describe('new PGlite data directories from one kept empty directory', function () {
  this.timeout(120_000);
  let root: string;
  /** A cache with the empty directory already made, for the tests that are not about making it. */
  let madeCache: string;
  /** The tables the service's migrations make, migrated in place. */
  let tables: string[];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'huddle-template-'));
    madeCache = join(root, 'made-cache');
    assert.equal(await initPgliteDataDir(join(root, 'first'), { cache: madeCache }), 'copied');
    tables = await serviceTables();
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  /** Functions of node's modules replaced for one test, put back after it. */
  const replaced: Array<() => void> = [];
  function replace<M extends object, K extends keyof M>(module: M, name: K, by: M[K]): void {
    const original = module[name];
    module[name] = by;
    replaced.push(() => (module[name] = original));
  }
  afterEach(() => replaced.splice(0).forEach((undo) => undo()));
  /** Counts the child processes started (initdb, migrations) until the test ends. */
  function countSpawns(): { callCount: number } {
    const spawned = { callCount: 0 };
    const realSpawn = childProcess.spawn;
    replace(childProcess, 'spawn', ((...args: Parameters<typeof realSpawn>) => {
      spawned.callCount++;
      return realSpawn(...args);
    }) as typeof realSpawn);
    return spawned;
  }

  it('makes the kept directory once for many data directories, even asked at once, and each copy holds only what was written in it', async () => {
    const cache = join(root, 'cache-once');
    mkdirSync(cache);
    // The keys the service's options and migrations are kept under: the two `before` made.
    const key = templateKey(pgliteOptions);
    const migrated = `${key}-m${migrationsKey(MIGRATIONS_DIR)}`;
    assert.deepEqual(readdirSync(madeCache).sort(), [key, migrated]);
    // Left by processes that stopped while making one: an hour old is removed, a recent one is not.
    const abandoned = join(cache, `${key}.making-old`);
    const working = join(cache, `${key}.making-now`);
    mkdirSync(abandoned);
    mkdirSync(working);
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(abandoned, hoursAgo, hoursAgo);
    const spawned = countSpawns();

    const dirs = ['a', 'b', 'c'].map((name) => join(root, `once-${name}`));
    assert.deepEqual(await Promise.all(dirs.map((dir) => initPgliteDataDir(dir, { cache }))), ['copied', 'copied', 'copied']);
    assert.equal(spawned.callCount, 2, 'one initdb and one migration for three directories asked at once');
    assert.equal(await initPgliteDataDir(join(root, 'once-d'), { cache }), 'copied');
    assert.equal(spawned.callCount, 2, 'none for a fourth');
    assert.equal(await initPgliteDataDir(dirs[0]!, { cache }), 'existing', 'a data directory is never copied over');
    assert.deepEqual(readdirSync(cache).sort(), [key, migrated, `${key}.making-now`], 'the kept directories, the recent half-made one; the abandoned one gone');
    rmSync(working, { recursive: true });

    assert.ok(tables.includes('children') && tables.includes('schema_migrations'), 'the service\'s tables');
    const db = new PGlite(dirs[0]!);
    await db.exec("create table written_here (note text); insert into written_here values ('invented')");
    await db.close();
    assert.deepEqual(await userTables(dirs[0]!), [...tables, 'written_here'].sort());
    assert.deepEqual(await userTables(dirs[1]!), tables, 'another copy does not hold it');
    assert.equal(await initPgliteDataDir(join(root, 'once-e'), { cache }), 'copied');
    assert.deepEqual(await userTables(join(root, 'once-e')), tables, 'nor does a copy made after it: the kept directory is never written');
  });

  it("copies a new data directory with the service's migrations applied: its start applies none, and finds what migrating in place makes", async () => {
    const dir = join(root, 'migrated');
    assert.equal(await initPgliteDataDir(dir, { cache: madeCache }), 'copied');
    const db = await openPglite(dir);
    try {
      assert.deepEqual(await migrate(db), [], 'every migration already applied');
      const versions = (await db.query<{ version: number }>('select version from schema_migrations order by 1')).map((row) => row.version);
      assert.deepEqual(versions, loadMigrations().map((migration) => migration.version));
    } finally {
      await db.close();
    }
    assert.deepEqual(await userTables(dir), tables);
  });

  it('keeps another migrated directory, from the same empty one, when a migration is added, and removes those outdated for an hour', async () => {
    const migrations = migrationsWith(join(root, 'migrations-added'), { '999_invented.sql': 'create table invented_here (note text);' });
    const spawned = countSpawns();
    // Made for migrations since changed: two hours ago (gone when another is made), and just now (kept).
    const key = templateKey(pgliteOptions);
    const outdated = directoryWith(join(madeCache, `${key}-m${'0'.repeat(16)}`), 'PG_VERSION');
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(outdated, hoursAgo, hoursAgo);
    const recent = directoryWith(join(madeCache, `${key}-m${'1'.repeat(16)}`), 'PG_VERSION');
    const dir = join(root, 'migration-added');
    assert.equal(await initPgliteDataDir(dir, { cache: madeCache, migrations }), 'copied');
    assert.equal(spawned.callCount, 1, 'a migration, no initdb');
    assert.deepEqual(await userTables(dir), [...tables, 'invented_here'].sort());
    assert.deepEqual(
      readdirSync(madeCache).filter((name) => !name.endsWith('.tar')).sort(),
      [key, `${key}-m${migrationsKey(MIGRATIONS_DIR)}`, `${key}-m${migrationsKey(migrations)}`, `${key}-m${'1'.repeat(16)}`].sort(),
      "the service's, the new one and the recent one kept; the outdated one gone",
    );
    rmSync(recent, { recursive: true });
  });

  it("copies the empty directory when a migration fails, so that the service's own migrate reports it, and keeps nothing of it", async () => {
    const migrations = migrationsWith(join(root, 'migrations-broken'), { '001_broken.sql': 'create tabel nonsense (note text);' }, false);
    const dir = join(root, 'migration-broken');
    assert.equal(await initPgliteDataDir(dir, { cache: madeCache, migrations }), 'copied');
    assert.deepEqual(await userTables(dir), [], 'the empty directory');
    assert.deepEqual(readdirSync(madeCache).filter((name) => name.includes(migrationsKey(migrations))), [], 'nothing kept, nothing half-made left');
    const db = await openPglite(dir);
    try {
      await assert.rejects(migrate(db, loadMigrations(migrations)), /syntax error at or near "tabel"/);
    } finally {
      await db.close();
    }
  });

  it('copies again into a directory a stopped copy left without its marker, and opens it', async () => {
    const dir = join(root, 'cut-short');
    mkdirSync(join(dir, 'base'), { recursive: true });
    writeFileSync(join(dir, 'postgresql.conf'), 'half a file');
    assert.equal(await initPgliteDataDir(dir, { cache: madeCache }), 'copied');
    assert.ok(existsSync(join(dir, 'PG_VERSION')));
    assert.deepEqual(await userTables(dir), tables);
  });

  it('leaves the directory as it was found when the copy fails part way, and says why', async () => {
    const dir = join(root, 'disk-full');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kept.txt'), 'was here before');
    const full = Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC' });
    replace(fs, 'copyFileSync', (() => {
      throw full;
    }) as typeof fs.copyFileSync);
    await assert.rejects(initPgliteDataDir(dir, { cache: madeCache }), /no space left on device/);
    assert.deepEqual(readdirSync(dir), ['kept.txt'], 'nothing copied is left, nothing found is removed');
  });

  it('runs initdb in the data directory itself when the cache cannot be written', async () => {
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, 'not a directory');
    const dir = join(root, 'in-place');
    assert.equal(await makePgliteDataDir(dir, { startParams: [...PGlite.defaultStartParams] }, { cache: join(blocked, 'cache') }), 'created');
    assert.deepEqual(await userTables(dir), []);
    assert.equal(existsSync(join(blocked, 'cache')), false);
  });

  it('opens in-memory databases from an archive of the kept directory, made once, each holding only what was written in it', async () => {
    const archive = await pgliteArchive(pgliteOptions, { cache: madeCache });
    assert.ok(archive, 'an archive');
    const directory = templateKey(pgliteOptions);
    const tar = `${directory}.tar`;
    assert.deepEqual(readdirSync(madeCache).filter((name) => !name.includes('-m')).sort(), [directory, tar], 'the empty directory and its archive, nothing half-made');
    const made = statSync(join(madeCache, tar!)).mtimeMs;
    const again = await pgliteArchive(pgliteOptions, { cache: madeCache });
    assert.equal(statSync(join(madeCache, tar!)).mtimeMs, made, 'not made again');
    const one = new PGlite({ ...pgliteOptions, loadDataDir: archive! });
    const two = new PGlite({ ...pgliteOptions, loadDataDir: again! });
    try {
      await one.exec("create table written_here (note text); insert into written_here values ('invented')");
      const tables = "select table_name as name from information_schema.tables where table_schema = 'public'";
      assert.deepEqual((await one.query(tables)).rows, [{ name: 'written_here' }]);
      assert.deepEqual((await two.query(tables)).rows, [], 'the other does not hold it');
      assert.equal((await two.query<{ setting: string }>("select setting from pg_settings where name = 'wal_init_zero'")).rows[0]!.setting, 'off', "opened with the service's settings");
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('answers no archive where the cache cannot be written (initdb in memory then, as before)', async () => {
    const blocked = join(root, 'another-file');
    writeFileSync(blocked, 'not a directory');
    assert.equal(await pgliteArchive(pgliteOptions, { cache: join(blocked, 'cache') }), null);
  });

  it('keeps the directory another process put in place first, and drops its own', () => {
    const kept = directoryWith(join(root, 'race-kept'), 'PG_VERSION');
    const made = directoryWith(join(root, 'race-made'), 'PG_VERSION');
    installTemplate(made, kept);
    assert.equal(existsSync(made), false);
    assert.equal(existsSync(join(kept, 'PG_VERSION')), true);
  });

  it('refuses to take a directory in its place that is not a data directory', () => {
    const kept = directoryWith(join(root, 'stranger-kept'), 'notes.txt');
    const made = directoryWith(join(root, 'stranger-made'), 'PG_VERSION');
    assert.throws(() => installTemplate(made, kept), /ENOTEMPTY|EEXIST/);
    assert.equal(existsSync(join(made, 'PG_VERSION')), true, 'its own left for the caller to remove');
  });

  it('keeps one empty directory per PGlite version and options: other settings make another', () => {
    const options = { startParams: ['--single', '-c', 'shared_buffers=16MB'] };
    assert.equal(templateKey(options), templateKey({ startParams: [...options.startParams] }));
    assert.notEqual(templateKey(options), templateKey({ startParams: ['--single', '-c', 'shared_buffers=32MB'] }));
    assert.match(templateKey(options), /^\d+\.\d+\.\d+-[0-9a-f]{16}$/);
  });
});

