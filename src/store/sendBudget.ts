import type { AppBudget, Window } from '../bot/sender';
import type { Queryable } from './db';

/**
 * The app's budget of requests to Teams in PostgreSQL, shared by every replica: one row keeps the
 * latest `limit` moments reserved, in order; the next goes at least a window after the one `limit`
 * places back (a sliding window, as Teams counts). One statement per request: the row's lock makes
 * replicas take turns, and the moment is the database's clock, the same for all of them.
 * Unlike one process's budget (RateLimiter), it does not take back the moment of a request Teams
 * refused: that costs a slot, which a 1,000-channel fan-out pays as one more window at its end.
 */
export class SharedAppBudget implements AppBudget {
  constructor(
    private readonly db: Queryable,
    private readonly window: Window,
    private readonly name = 'app',
  ) {}

  async reserve(): Promise<{ waitMs: number }> {
    return { waitMs: (await this.reserveSlot()).waitMs };
  }

  /** The moment reserved (the database's clock) and how long until it. */
  async reserveSlot(): Promise<{ at: Date; waitMs: number }> {
    // Everything is computed from the row being updated (not a second read of it), so a replica
    // that waited for another's lock reads the row as that one left it.
    const rows = await this.db.query<{ at: Date | string; wait_ms: number | string }>(
      `update send_budget
          set slots = (slots || greatest(clock_timestamp(), coalesce(slots[cardinality(slots) - $2 + 1] + $3 * interval '1 millisecond', '-infinity'::timestamptz)))[greatest(cardinality(slots) + 2 - $2, 1):]
        where name = $1
    returning slots[cardinality(slots)] as at, greatest(0, extract(epoch from (slots[cardinality(slots)] - clock_timestamp())) * 1000) as wait_ms`,
      [this.name, this.window.limit, this.window.windowMs],
    );
    if (!rows[0]) throw new Error(`no send budget named ${this.name}: the database is not migrated`);
    return { at: new Date(rows[0].at), waitMs: Number(rows[0].wait_ms) };
  }
}
