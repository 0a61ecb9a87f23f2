import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

export interface PostgresServer {
  port: number;
  /** A connection string to a database on this server. */
  url(database: string): string;
  createDatabase(): Promise<string>;
  /** SIGSTOP / SIGCONT to every server process (postmaster and backends): a frozen database. */
  freeze(): void;
  thaw(): void;
  /** A fast shutdown, and a start again on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

let server: Promise<PostgresServer> | undefined;

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** A PostgreSQL server of its own (fault tests stop and freeze theirs). */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'huddle-pg-'));
  const owner = runAs();
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...owner, stdio: 'pipe' });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let databases = 0;
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  // Every backend puts itself in a session of its own, so they are found by their parent.
  const signalGroup = (signal: NodeJS.Signals) => {
    const postmaster = child?.pid;
    if (!postmaster) return;
    const backends = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster;
        } catch {
          return false; // gone meanwhile
        }
      });
    for (const pid of [postmaster, ...backends.map(Number)]) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited since it was listed
      }
    }
  };
  const handle: PostgresServer = {
    port,
    url,
    async createDatabase() {
      const name = `huddle_test_${process.pid}_${++databases}`;
      const admin = new Client({ connectionString: url('postgres') });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      return url(name);
    },
    freeze: () => void signalGroup('SIGSTOP'),
    thaw: () => void signalGroup('SIGCONT'),
    async start() {
      child = spawn(
        join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        { ...owner, stdio: 'ignore' },
      );
      await waitFor('PostgreSQL to accept connections', async () => {
        const client = new Client({ connectionString: url('postgres') });
        await client.connect();
        await client.end();
        return true;
      });
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      signalGroup('SIGCONT'); // a frozen server cannot shut down
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGINT'); // fast shutdown
      });
    },
    async destroy() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}

/** A new empty database on the shared test server; answers its connection string. */
export async function createTestDatabase(): Promise<string> {
  server ??= startPostgresServer();
  return (await server).createDatabase();
}

export async function stopPostgres(): Promise<void> {
  if (!server) return;
  const shared = await server;
  server = undefined;
  await shared.destroy();
}
