import { parse as pgliteParse, PGlite, protocol } from '@electric-sql/pglite';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { finished } from 'node:stream/promises';
import type { Client, Pool, PoolClient } from 'pg';
import type * as PgCopyStreams from 'pg-copy-streams';
import type { Config } from '../config';
import { DomainError, isDomainError } from '../domain/errors';
import { MIGRATIONS_DIR } from './migrate';
import { makePgliteDataDir, pgliteArchive, type DataDirMade, type TemplateOptions } from './pgliteTemplate';
import type { Reply as WorkerReply, Request as WorkerRequest } from './pgliteWorker';

/** Which field a unique constraint guards, for the conflict a clash becomes. */
const UNIQUE_FIELDS: Record<string, string> = {
  episodes_police_ref_key: 'policeRef',
  episodes_child_id_reported_at_key: 'reportedAt',
  return_interviews_external_ref_key: 'ref',
  return_interview_episodes_episode_id_key: 'episodeIds',
  children_ref_key: 'child.ref',
};

/** The database did not answer (stopped, unreachable, frozen past the timeout): try again later. */
export class DatabaseUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`The database is not answering (${reason}).`);
    this.name = 'DatabaseUnavailable';
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const UNAVAILABLE_MESSAGES = /Query read timeout|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|connection timeout|Client was closed/i;

/** A driver error that says the database could not be reached becomes DatabaseUnavailable. */
export function asUnavailable(error: unknown): unknown {
  // Already said (a statement inside a transaction, then the transaction): its message names the
  // reason and would match again, nesting "not answering (not answering (…))".
  if (error instanceof DatabaseUnavailable) return error;
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if ((code && UNAVAILABLE_CODES.has(code)) || (message && UNAVAILABLE_MESSAGES.test(message))) return new DatabaseUnavailable(code ?? message!.slice(0, 60));
  return error;
}

/**
 * A unique constraint that fired because two writers raced (each checked, then both inserted) is a
 * conflict the caller can act on (HTTP 409), not a failure of the service.
 */
export function asConflict(error: unknown): unknown {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  if (code !== '23505') return error;
  const field = UNIQUE_FIELDS[constraint ?? ''] ?? '';
  return new DomainError('conflict', 'That clashes with a record made at the same moment: a reference already used, or an episode already covered. Nothing was stored; check it and send it again.', [
    { path: field, message: 'already used' },
  ]);
}

/**
 * One SQL schema, two drivers: PGlite (PostgreSQL in WASM, in-process, the embedded default) and
 * PostgreSQL through `pg` for production and several replicas. Repositories see only this interface.
 */
export interface Queryable {
  /** A statement: its text, parsed and planned at each call; or a `prepared` one, parsed once per connection. */
  query<T = Record<string, unknown>>(sql: string | Prepared, params?: unknown[]): Promise<T[]>;
  /** Several statements at once, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Rows into `into` (`table (column, …)`) by `COPY`, read from `text` in COPY's text format
   * (`insertRows` uses it for many rows): PGlite reads it as `'/dev/blob'`, PostgreSQL from the
   * client (`from stdin`). Statements asked before it on the connection run before it.
   */
  copyFrom?(into: string, text: string): Promise<void>;
}

/**
 * A statement PostgreSQL parses and plans once per connection (a named prepared statement) rather
 * than at every call. For the statements a card tap asks: parsing and planning a statement of a few
 * common table expressions cost PGlite about three quarters of its time (bench/README.md). Made
 * only by `prepared`, at a module's top level: each connection holds at most one server-side
 * statement per name, so the set is bounded by the code itself. A prepared statement names its
 * columns (no `*`): a plan whose result changed shape under it (a migration adding a column) fails
 * on PostgreSQL until its connection is replaced (PGlite's driver parses it again).
 */
export interface Prepared {
  readonly name: string;
  readonly text: string;
}

const PREPARED = new Map<string, string>();

/** Declares a prepared statement; one name, one text (a second text under a name is a programming error). */
export function prepared(name: string, text: string): Prepared {
  if (!/^[a-z][a-z0-9_.]{0,62}$/.test(name)) throw new Error(`a prepared statement's name is lower-case letters, digits, '_' and '.': ${name}`);
  const known = PREPARED.get(name);
  if (known !== undefined && known !== text) throw new Error(`two prepared statements are named ${name}`);
  PREPARED.set(name, text);
  return Object.freeze({ name, text });
}

/** What a listener hears: each notification's payload, and whether it is hearing at all. */
export interface Listener {
  notified(payload: string): void;
  /**
   * True once notifications are being heard; false when the connection that hears them is lost
   * (PostgreSQL; it is made again, and true follows). A change made while not hearing is not heard.
   */
  live(hearing: boolean): void;
}

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /**
   * Statements asked one after another without waiting for answers run in the order asked, inside a
   * transaction as well (PostgreSQL's connection queues them; so does the PGlite worker). PGlite in
   * the caller's own thread does not promise it, and gains nothing from it: its caller awaits each.
   */
  readonly pipelines: boolean;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Listens on a notification channel (`pg_notify`), delivered at commit; answers how to stop. */
  listen(channel: string, listener: Listener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * PostgreSQL's shared buffers inside PGlite. Its default (128 MB) sits in the WASM heap, which never
 * shrinks; PGlite's files are real files here, so the operating system's cache holds what the
 * buffers drop. 16 MB took a restart from about 330 MB to about 180 MB resident (bench/README.md).
 */
export const PGLITE_SHARED_BUFFERS = '16MB';
/**
 * PostgreSQL's settings for PGlite besides its own defaults:
 * - the shared buffers above;
 * - `wal_init_zero=off`: a new 16 MB WAL segment is made by writing its last byte, not filled with
 *   zeros first. Filling it stopped the one thread that runs both the database and the service: under
 *   page taps a statement that began a segment took 80–100 ms on disk and about 200 ms in memory,
 *   against under 15 ms for any other (bench/README.md, seventeenth session). PostgreSQL offers the
 *   setting for file systems where the filling gains nothing; a WAL record is checked by its own
 *   checksum whatever the bytes after it, so recovery reads the same.
 */
const PGLITE_SETTINGS = [`shared_buffers=${PGLITE_SHARED_BUFFERS}`, 'wal_init_zero=off'];
export const pgliteOptions = { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])] };

/**
 * Makes `dataDir` a PGlite data directory unless it is one: a copy of one kept from the first
 * (src/store/pgliteTemplate.ts), empty but for the service's migrations. initdb and the migrations
 * run in processes of their own: initdb grows the WASM heap to about 770 MB, which a process never
 * gives back; the service itself opens the directory as on any restart.
 */
export async function initPgliteDataDir(dataDir: string, templates?: TemplateOptions): Promise<DataDirMade> {
  return makePgliteDataDir(dataDir, pgliteOptions, { migrations: MIGRATIONS_DIR, ...templates });
}

/** A value as node-postgres sends it to PostgreSQL (text; arrays as literals, dates with their offset, objects as JSON). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => string | null };

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Errors after which a prepared statement is parsed again: it does not exist, or its plan's result changed shape. */
const REPARSE_CODES = new Set(['26000', '0A000']);

/**
 * One parameterised statement in one call into PGlite: parse, bind, describe, execute and sync sent
 * together, as a PostgreSQL client pipelines them. PGlite's own `query` makes six calls (it first
 * asks the statement's parameter types to encode the values): about twice the time of a short
 * statement, and every card tap is one. The values go as text, encoded as node-postgres encodes
 * them for PostgreSQL, so both drivers send a value the same way and the server infers its type.
 * `inTransaction`: the caller holds PGlite's transaction (its statements take only the query lock;
 * outside one, a statement waits for any open transaction, as PGlite's `query` does). A `prepared`
 * statement is parsed under its name once in the session (`held`: the names it holds); later
 * calls send bind to sync only.
 */
async function pipelinedQuery<T>(db: PGlite, held: Set<string>, sql: string | Prepared, params: unknown[], inTransaction: boolean): Promise<T[]> {
  const named = typeof sql === 'string' ? undefined : sql;
  const rest = [
    protocol.serialize.bind({ statement: named?.name, values: params.map((value) => (value === undefined ? null : prepareValue(value))) }),
    protocol.serialize.describe({ type: 'P' }),
    protocol.serialize.execute({}),
    protocol.serialize.sync(),
  ];
  const run = () =>
    db._runExclusiveQuery(async () => {
      // Decided under the lock, so that two callers of a new statement parse it once. A statement
      // parsed by a call that then failed may exist or not: closing a name that does not exist is
      // not an error, so it is closed and parsed again.
      const parse = named && held.has(named.name) ? [] : named ? [protocol.serialize.close({ type: 'S', name: named.name }), protocol.serialize.parse(named)] : [protocol.serialize.parse({ text: sql as string })];
      try {
        const { messages } = await db.execProtocol(joined([...parse, ...rest]), { syncToFs: !inTransaction });
        if (named) held.add(named.name);
        return messages;
      } catch (error) {
        if (named && REPARSE_CODES.has((error as { code?: string }).code ?? '')) held.delete(named.name);
        throw error;
      }
    });
  const messages = inTransaction ? await run() : await db._runExclusiveTransaction(run);
  return (pgliteParse.parseResults(messages, db.parsers, {})[0]?.rows ?? []) as T[];
}

/**
 * Waits for `ready` with node's event loop held open. PGlite compiles its WebAssembly on V8's
 * background threads, which libuv does not count: with nothing else pending (a service starting)
 * the loop runs empty, and node then waits for all of V8's background work before it looks at the
 * loop again (`NodePlatform::DrainTasks`), the optimising compiles that PGlite's first statements
 * set off included. Measured: half a second after the service listened, a health check already
 * connected waited for those compiles (bench/README.md, fourteenth session). A timer that never
 * fires keeps the loop turning; it goes when `ready` settles.
 */
export async function withLoopHeld<T>(ready: Promise<T>): Promise<T> {
  const held = setInterval(() => undefined, 2 ** 30);
  try {
    return await ready;
  } finally {
    clearInterval(held);
  }
}

export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir) await initPgliteDataDir(dataDir);
  // In memory (tests, benches), from the kept empty directory's archive where there is one.
  const archive = dataDir ? null : await withLoopHeld(pgliteArchive(pgliteOptions));
  const db = dataDir ? new PGlite(dataDir, pgliteOptions) : new PGlite(archive ? { ...pgliteOptions, loadDataDir: archive } : pgliteOptions);
  await withLoopHeld(db.waitReady);
  const held = new Set<string>();
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>, inTransaction: boolean): Queryable => ({
    async query<T>(sql: string | Prepared, params: unknown[] = []) {
      return pipelinedQuery<T>(db, held, sql, params, inTransaction);
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
    async copyFrom(into: string, text: string) {
      await target.query(`copy ${into} from '/dev/blob'`, [], { blob: new Blob([text]) });
    },
  });
  return {
    driver: 'pglite',
    pipelines: false,
    ...wrap(db, false),
    transaction: (work) =>
      db.transaction((tx) => work(wrap(tx, true))).catch((error) => {
        throw asConflict(error);
      }),
    // One process owns the database: a notification is heard before the statement that made it answers.
    async listen(channel, listener) {
      const stop = await db.listen(channelName(channel), (payload) => listener.notified(payload));
      listener.live(true);
      return stop;
    },
    close: () => db.close(),
  };
}

/**
 * The worker's JavaScript heap, bounded as `npm start` bounds the main one: it holds no more than
 * PGlite's buffers between the database and the caller (PostgreSQL's own memory is the WASM heap).
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 96 };

/**
 * The embedded database in a worker thread (src/store/pgliteWorker.ts), for work that keeps its own
 * thread busy between statements: `npm run import` parses and checks the next rows while the
 * database writes the last ones, on a second core. Statements inside a transaction run in the
 * order asked, so a caller may ask the next before the last has answered. The service opens it
 * here by default (PGLITE_THREAD=worker): `npm start` (src/service.ts) starts it before loading
 * the rest of the service, which takes about as long as the database takes to open, so the two
 * overlap on two cores (a restart 0.05-0.1 s sooner; a fresh directory, which the worker copies
 * too, 0.96 times the time), for about 15-20 MB more resident memory. Card taps answered about 1.3
 * times as fast in the bench's process (node's default heap); the service as `npm start` runs it
 * (small young generation) no faster and no slower (bench/README.md, seventeenth to twenty-fifth
 * sessions).
 */
export async function openPgliteInWorker(dataDir?: string): Promise<Database> {
  // The worker makes the data directory too (`openPglite` there: a copy of the kept one on a fresh
  // start, ~0.4 s of file copying) and this call starts it without waiting first, so a caller that
  // goes on with work of its own (src/service.ts loading the rest of the service) has the directory
  // copied and the database opening on a second core meanwhile.
  const file = join(__dirname, `pgliteWorker${extname(__filename)}`);
  // Built, the worker is plain JavaScript; from the sources (tests, benches under tsx) it registers
  // tsx in its own thread first: a loader given to node with --import serves the main thread only.
  const options = { workerData: { pgliteWorker: true, dataDir }, resourceLimits: WORKER_HEAP };
  const worker = file.endsWith('.ts') ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { ...options, eval: true }) : new Worker(file, options);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  const listeners = new Map<number, Listener>();
  let lastId = 0;
  let lost: Error | undefined;
  const failAll = (error: Error) => {
    lost = error;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) return resolve();
      if ('failed' in reply) return reject(new Error(reply.failed));
      if ('notified' in reply) return listeners.get(reply.notified)?.notified(reply.payload);
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.value);
      else waiting?.reject(Object.assign(new Error(reply.error.message), reply.error.fields));
    });
    worker.on('error', (error) => {
      reject(error);
      failAll(error);
    });
    worker.on('exit', (code) => {
      reject(new Error(`the database's worker exited (${code})`));
      failAll(new DatabaseUnavailable(`the database's worker exited (${code})`));
    });
  });
  await ready;
  const ask = <T>(request: DistributiveOmit<WorkerRequest, 'id'>): Promise<T> => {
    if (lost) return Promise.reject(lost);
    const id = ++lastId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const on = (tx?: number): Queryable => ({
    query: <T>(sql: string | Prepared, params: unknown[] = []) => ask<T[]>({ op: 'query', sql, params, tx }),
    exec: (sql: string) => ask<void>({ op: 'exec', sql, tx }),
    copyFrom: (into: string, text: string) => ask<void>({ op: 'copyFrom', into, text, tx }),
  });
  return {
    driver: 'pglite',
    pipelines: true,
    ...on(),
    async transaction(work) {
      const tx = await ask<number>({ op: 'begin' });
      let result;
      try {
        result = await work(on(tx));
      } catch (error) {
        await ask<void>({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw asConflict(error);
      }
      await ask<void>({ op: 'end', tx, commit: true }).catch((error: unknown) => {
        throw asConflict(error);
      });
      return result;
    },
    async listen(channel, listener) {
      const listening = await ask<number>({ op: 'listen', channel });
      listeners.set(listening, listener);
      listener.live(true);
      return async () => {
        listeners.delete(listening);
        await ask<void>({ op: 'unlisten', listening });
      };
    },
    async close() {
      await ask<void>({ op: 'close' });
      await worker.terminate();
    },
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface PostgresOptions {
  /** A query with no answer in this time fails (the server is frozen or overloaded); the server also cancels it. */
  queryTimeoutMs?: number;
  /** A new connection not made in this time fails (the server is down or unreachable). */
  connectTimeoutMs?: number;
}

type NodePostgres = typeof import('pg');
let nodePostgres: NodePostgres | undefined;
/**
 * node-postgres and its COPY streams, loaded when a PostgreSQL database is first opened: a service
 * on PGlite never needs them, and loading them took about 30 ms of every start (issue 13, part 3).
 */
const pg = (): NodePostgres => (nodePostgres ??= require('pg') as NodePostgres);
let copyStreams: typeof PgCopyStreams | undefined;
const copyFromStdin = (text: string) => (copyStreams ??= require('pg-copy-streams') as typeof PgCopyStreams).from(text);

export async function openPostgres(connectionString: string, options: PostgresOptions = {}): Promise<Database> {
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const { Pool, DatabaseError } = pg();
  const pool = new Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
    query_timeout: queryTimeoutMs,
    statement_timeout: queryTimeoutMs,
    idle_in_transaction_session_timeout: queryTimeoutMs * 6,
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  /**
   * `COPY … FROM STDIN` on one connection (pg-copy-streams, queued behind what was asked before it):
   * the rows' text as PostgreSQL parses it, instead of a parameter per column that node-postgres
   * builds as an array literal element by element and PostgreSQL parses back with `unnest`.
   */
  const copyInto = async (client: PoolClient, into: string, text: string) => {
    const stream = client.query(copyFromStdin(`copy ${into} from stdin`));
    stream.end(text);
    await finished(stream);
  };
  /**
   * A connection out of the pool, listened to until it goes back. node-postgres emits a lost
   * connection (a backend terminated, a failover, a reset) as an `error` event on the client, and the
   * pool listens only while the client is idle: a connection lost mid-transaction, unheard, ended the
   * whole service. Heard here, the statement waiting on it fails (the driver rejects it too) and the
   * connection is dropped on its way back.
   */
  const borrow = async () => {
    const client = await pool.connect().catch((error) => {
      throw asUnavailable(error);
    });
    let lost = false;
    const onLost = () => {
      lost = true;
    };
    client.on('error', onLost);
    return {
      client,
      giveBack(broken: boolean) {
        client.removeListener('error', onLost);
        client.release(broken || lost);
      },
    };
  };
  const wrap = (target: Pool | PoolClient): Queryable => ({
    async copyFrom(into: string, text: string) {
      try {
        // A transaction's client copies in its turn; outside one, the copy takes a connection of its own.
        if (!(target instanceof Pool)) return await copyInto(target, into, text);
        const own = await borrow();
        let broken = true;
        try {
          await copyInto(own.client, into, text);
          broken = false;
        } finally {
          own.giveBack(broken);
        }
      } catch (error) {
        throw asUnavailable(error);
      }
    },
    async query<T>(sql: string | Prepared, params: unknown[] = []) {
      try {
        // node-postgres parses a named statement once per connection (and remembers it did).
        return (await target.query(typeof sql === 'string' ? { text: sql, values: params } : { name: sql.name, text: sql.text, values: params })).rows as T[];
      } catch (error) {
        throw asUnavailable(error);
      }
    },
    async exec(sql: string) {
      try {
        await target.query(sql);
      } catch (error) {
        throw asUnavailable(error);
      }
    },
  });
  await pool.query('select 1');
  return {
    driver: 'postgres',
    pipelines: true,
    ...wrap(pool),
    async transaction(work) {
      const { client, giveBack } = await borrow();
      let broken = false;
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        // A statement the server refused (a unique clash, a cancelled statement) or a refusal of our
        // own leaves the connection clean once rolled back: it goes back to the pool. Dropping it
        // made the pool open a new connection for each of fifty clashing requests, and under load
        // the requests waiting for one gave up (the 2 s connect bound). Anything else (a client-side
        // timeout with the statement still running, a lost connection) or a failed rollback may
        // leave it mid-query: dropped rather than reused.
        const rolledBack = await client.query('rollback').then(
          () => true,
          () => false,
        );
        broken = !rolledBack || !(error instanceof DatabaseError || isDomainError(error));
        throw asConflict(asUnavailable(error));
      } finally {
        giveBack(broken);
      }
    },
    listen: (channel, listener) => listenOnPostgres(connectionString, channelName(channel), listener, options.connectTimeoutMs ?? 2_000),
    close: () => pool.end(),
  };
}

/** A notification channel's name goes into SQL as it is: only lower-case letters and underscores. */
function channelName(channel: string): string {
  if (!/^[a-z_]{1,63}$/.test(channel)) throw new Error(`Not a notification channel name: ${channel}`);
  return channel;
}

/** The longest wait before the listening connection is tried again. */
const LISTEN_RETRY_MAX_MS = 30_000;

/**
 * A connection of its own that only listens (a pooled one is shared). When it is lost the listener
 * hears `live(false)` at once, and it is made again, waiting longer after each failure.
 */
async function listenOnPostgres(connectionString: string, channel: string, listener: Listener, connectTimeoutMs: number): Promise<() => Promise<void>> {
  let client: Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  const again = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
  };
  const connect = async () => {
    // Keep-alive: a connection silently dropped (no reset) is found out rather than trusted for ever.
    const candidate = new (pg().Client)({ connectionString, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
    let lostOnce = false;
    const lost = () => {
      if (lostOnce) return;
      lostOnce = true;
      candidate.end().catch(() => undefined);
      if (client === candidate) {
        client = undefined;
        listener.live(false);
      }
      again();
    };
    candidate.on('error', lost);
    candidate.on('end', lost);
    candidate.on('notification', (message) => {
      if (message.channel === channel) listener.notified(message.payload ?? '');
    });
    try {
      await candidate.connect();
      await candidate.query(`listen ${channel}`);
    } catch {
      lost();
      return;
    }
    if (stopped) {
      await candidate.end().catch(() => undefined);
      return;
    }
    client = candidate;
    delay = 250;
    listener.live(true);
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}

export function openDatabase(options: { databaseUrl?: string; dataDir: string; pgliteInWorker?: boolean } & PostgresOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return options.pgliteInWorker ? openPgliteInWorker(options.dataDir) : openPglite(options.dataDir);
}

/** The database the service's settings name: PostgreSQL at DATABASE_URL, or PGlite in DATA_DIR in the thread PGLITE_THREAD names. */
export function openConfiguredDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_QUERY_TIMEOUT_MS' | 'PGLITE_THREAD'>): Promise<Database> {
  return openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS, pgliteInWorker: config.PGLITE_THREAD === 'worker' });
}

let savepointCounter = 0;

/** Runs `work` inside a savepoint: on error only its own changes are undone and the error rethrown. */
export async function withSavepoint<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  const name = `sp_${++savepointCounter}`;
  await tx.exec(`savepoint ${name}`);
  try {
    const result = await work();
    await tx.exec(`release savepoint ${name}`);
    return result;
  } catch (error) {
    await tx.exec(`rollback to savepoint ${name}`);
    throw error;
  }
}
