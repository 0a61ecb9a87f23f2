import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openPglite, type Database, type Prepared, type Queryable } from './db';

/**
 * The embedded database in a worker thread of its own (see `openPgliteInWorker` in db.ts): PGlite
 * runs PostgreSQL inside the thread that calls it, so in the caller's own thread the database's
 * work and the caller's (parsing and checking a CSV file) take turns on one core. Here they run on
 * two. This file is the worker's side: it opens the database and runs what the caller asks, in the
 * order asked within each transaction.
 */

/** What the caller asks. `tx` names an open transaction (a statement inside it), absent for one on its own. */
export type Request =
  | { id: number; op: 'query'; sql: string | Prepared; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'copyFrom'; into: string; text: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'unlisten'; listening: number }
  | { id: number; op: 'close' };

/** What the worker answers: a result, or a failure with the driver's fields (code, constraint, …); or a notification heard. */
export type Reply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: { message: string; fields: Record<string, string | number> } }
  | { notified: number; payload: string }
  | { ready: true }
  | { failed: string };

/** An error as plain fields, so that `asConflict` and `asUnavailable` read it alike on the caller's side. */
function errorFields(error: unknown): { message: string; fields: Record<string, string | number> } {
  const fields: Record<string, string | number> = {};
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { message: error instanceof Error ? error.message : String(error), fields };
}

interface OpenTransaction {
  tx: Queryable;
  /** The statements asked inside it, one after another in the order asked. */
  queue: Promise<unknown>;
  finish(commit: boolean): void;
  done: Promise<unknown>;
}

/** The worker's side: answers each request by id. */
async function serve(db: Database, post: (reply: Reply) => void, on: (handle: (request: Request) => void) => void): Promise<void> {
  const transactions = new Map<number, OpenTransaction>();
  const listening = new Map<number, () => Promise<void>>();
  let lastTx = 0;
  const answer = (id: number, work: Promise<unknown>) =>
    work.then(
      (value) => post({ id, ok: true, value }),
      (error: unknown) => post({ id, ok: false, error: errorFields(error) }),
    );
  const statement = (request: Extract<Request, { op: 'query' | 'exec' | 'copyFrom' }>, target: Queryable) =>
    request.op === 'query' ? target.query(request.sql, request.params) : request.op === 'exec' ? target.exec(request.sql).then(() => undefined) : target.copyFrom!(request.into, request.text).then(() => undefined);
  on((request) => {
    switch (request.op) {
      case 'query':
      case 'exec':
      case 'copyFrom': {
        if (request.tx === undefined) return void answer(request.id, statement(request, db));
        const open = transactions.get(request.tx);
        if (!open) return void answer(request.id, Promise.reject(new Error('the transaction has ended')));
        // In order, whatever the previous statement's fate: the caller decides what a failure means.
        const run = open.queue.then(() => statement(request, open.tx));
        open.queue = run.catch(() => undefined);
        return void answer(request.id, run);
      }
      case 'begin': {
        const id = ++lastTx;
        let entered!: (tx: Queryable) => void;
        const inside = new Promise<Queryable>((resolve) => (entered = resolve));
        let finish!: (commit: boolean) => void;
        const decided = new Promise<boolean>((resolve) => (finish = resolve));
        const done = db.transaction(async (tx) => {
          entered(tx);
          if (!(await decided)) throw new RolledBack();
        });
        // The caller's begin is answered once inside (PGlite runs one transaction at a time).
        return void answer(
          request.id,
          Promise.race([inside, done]).then((tx) => {
            transactions.set(id, { tx: tx as Queryable, queue: Promise.resolve(), finish, done });
            return id;
          }),
        );
      }
      case 'end': {
        const open = transactions.get(request.tx);
        if (!open) return void answer(request.id, Promise.reject(new Error('the transaction has ended')));
        transactions.delete(request.tx);
        return void answer(
          request.id,
          open.queue.then(async () => {
            open.finish(request.commit);
            await open.done.catch((error: unknown) => {
              if (!(error instanceof RolledBack)) throw error;
            });
          }),
        );
      }
      case 'listen': {
        const id = ++lastTx;
        return void answer(
          request.id,
          db
            .listen(request.channel, { notified: (payload) => post({ notified: id, payload }), live: () => undefined })
            .then((stop) => {
              listening.set(id, stop);
              return id;
            }),
        );
      }
      case 'unlisten': {
        const stop = listening.get(request.listening);
        listening.delete(request.listening);
        return void answer(request.id, stop ? stop() : Promise.resolve());
      }
      case 'close':
        return void answer(request.id, db.close());
    }
  });
}

class RolledBack extends Error {}

if (!isMainThread && parentPort && (workerData as { pgliteWorker?: boolean } | null)?.pgliteWorker) {
  const port = parentPort;
  const { dataDir } = workerData as { dataDir?: string };
  openPglite(dataDir).then(
    (db) => {
      void serve(db, (reply) => port.postMessage(reply), (handle) => port.on('message', handle));
      port.postMessage({ ready: true } satisfies Reply);
    },
    (error: unknown) => port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies Reply),
  );
}
