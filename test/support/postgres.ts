import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, waitFor } from './ports';

/**
 * A real PostgreSQL server for the tests: Debian's postgresql package, a fresh cluster in a temporary
 * directory, listening on a free loopback port, stopped when the run ends. As root it runs as the
 * `postgres` user (PostgreSQL refuses to run as root).
 */

function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((name) => existsSync(join(base, name, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL is not installed: run `apt-get install -y postgresql` (.ci/run does this).');
  return join(base, newest, 'bin');
}

interface Server {
  process: ChildProcess;
  port: number;
  dir: string;
}

let server: Promise<Server> | undefined;
let databaseCounter = 0;

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function startServer(): Promise<Server> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'huddle-pg-'));
  const owner = runAs();
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...owner, stdio: 'pipe' });
  const port = await freePort();
  const child = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    { ...owner, stdio: 'ignore' },
  );
  await waitFor('PostgreSQL to accept connections', async () => {
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    await client.end();
    return true;
  });
  return { process: child, port, dir };
}

/** A new empty database on the shared test server; answers its connection string. */
export async function createTestDatabase(): Promise<string> {
  server ??= startServer();
  const { port } = await server;
  const name = `huddle_test_${process.pid}_${++databaseCounter}`;
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return `postgresql://postgres@127.0.0.1:${port}/${name}`;
}

export async function stopPostgres(): Promise<void> {
  if (!server) return;
  const { process: child, dir } = await server;
  server = undefined;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT'); // fast shutdown
  });
  rmSync(dir, { recursive: true, force: true });
}
