import type { AppBudget, Window } from '../bot/sender';
import type { Queryable } from './db';

/**
 * The app's budget of requests to Teams in PostgreSQL, shared by every replica: one row keeps the
 * latest `limit` moments reserved, in order; the next goes at least a window after the one `limit`
 * places back (a sliding window, as Teams counts). One statement per request: the row's lock makes
 * replicas take turns, and the moment is the database's clock, the same for all of them.
 * A request answered moves its moment to the answer (`answered`): Teams counted it when it arrived,
 * at the latest then, and every replica plans from that, not from when it was meant to leave.
 * Unlike one process's budget (RateLimiter), it does not take back the moment of a request Teams
 * refused: that costs a slot, which a 1,000-channel fan-out pays as one more window at its end.
 */
export class SharedAppBudget implements AppBudget {
  constructor(
    private readonly db: Queryable,
    private readonly window: Window,
    private readonly name = 'app',
  ) {}

  async reserve(): Promise<{ waitMs: number; answered(): Promise<void> }> {
    const { moment, waitMs } = await this.reserveSlot();
    return { waitMs, answered: () => this.answered(moment) };
  }

  /**
   * Moves a reserved moment (as `reserveSlot` answered it, exactly) to now, the database's clock,
   * keeping the moments in order; nothing when it has already left the row (`limit` reserved since).
   */
  async answered(moment: string): Promise<void> {
    await this.db.query(
      `update send_budget
          set slots = array(select at from unnest(array_replace(slots, $2::timestamptz, greatest($2::timestamptz, clock_timestamp()))) as at order by at)
        where name = $1 and $2::timestamptz = any(slots)`,
      [this.name, moment],
    );
  }

  /** The moment reserved (the database's clock; `moment` to the microsecond, for `answered`) and how long until it. */
  async reserveSlot(): Promise<{ at: Date; moment: string; waitMs: number }> {
    // Everything is computed from the row being updated (not a second read of it), so a replica
    // that waited for another's lock reads the row as that one left it.
    const rows = await this.db.query<{ at: Date | string; moment: string; wait_ms: number | string }>(
      `update send_budget
          set slots = (slots || greatest(clock_timestamp(), coalesce(slots[cardinality(slots) - $2 + 1] + $3 * interval '1 millisecond', '-infinity'::timestamptz)))[greatest(cardinality(slots) + 2 - $2, 1):]
        where name = $1
    returning slots[cardinality(slots)] as at, slots[cardinality(slots)]::text as moment, greatest(0, extract(epoch from (slots[cardinality(slots)] - clock_timestamp())) * 1000) as wait_ms`,
      [this.name, this.window.limit, this.window.windowMs],
    );
    if (!rows[0]) throw new Error(`no send budget named ${this.name}: the database is not migrated`);
    return { at: new Date(rows[0].at), moment: rows[0].moment, waitMs: Number(rows[0].wait_ms) };
  }
}
