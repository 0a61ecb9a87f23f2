import { setImmediate as turnOfTheLoop } from 'node:timers/promises';

/**
 * Gives the event loop a turn once `everyMs` of work has gone by without one: called often in a
 * long synchronous stretch (reading and checking a thousand rows), it lets in what waits on the
 * loop meanwhile. The import needs it for its own database: node-postgres sends a queued statement
 * only when it handles the answer to the one before, and a COPY's rows only when it handles the
 * server's go-ahead, both in a turn of the loop. A batch's nine statements (three lookups, six
 * COPYs) queued behind a stretch of checking waited for it, and PostgreSQL sat idle between them:
 * the import spent 8–12 s of every 100,000 rows waiting for statements the server could have run
 * (bench/README.md, tenth session). Cheap when there is nothing due: a clock read.
 */
export function loopTurns(everyMs: number, now: () => number = () => performance.now()): () => Promise<void> {
  let since = now();
  return async () => {
    if (now() - since < everyMs) return;
    await turnOfTheLoop();
    since = now();
  };
}
