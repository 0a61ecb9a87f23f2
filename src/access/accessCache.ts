import type { Grantable } from '../domain/access';
import { channelStanding, type ChannelStanding } from '../store/channels';
import { ChangeCache, type ChangeFeed } from '../store/changeFeed';
import type { Queryable } from '../store/db';
import { grantedRoles, grantsOf } from '../store/grants';

/**
 * Who may act where, kept in memory while changes are heard (`ChangeFeed`): every card tap asks for
 * the person's granted roles and the channel's standing (and a tap an agency makes, which agencies
 * have a roster: the roles anyone holds by grant), and on the embedded database each question was a
 * sixth of a tap's work. Any change to grants or channels, from anywhere, makes every replica
 * forget all it kept; while a replica does not hear changes it keeps nothing and every question goes
 * to the database; and whatever is heard, an answer is asked again after `ttlMs`.
 */

/** However well changes are heard, an answer is asked again after this long. */
export const ACCESS_CACHE_MS = 60_000;
/** Answers kept of each kind; the oldest go first. */
export const ACCESS_CACHE_ENTRIES = 10_000;

export class AccessCache {
  private readonly grants: ChangeCache<string, Grantable[]>;
  /** The roles someone holds by grant (which agencies have a roster): asked by every tap an agency makes. */
  private readonly granted: ChangeCache<'granted', ReadonlySet<Grantable>>;
  private readonly standings: ChangeCache<string, ChannelStanding | undefined>;

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    const settings = { ttlMs: options.ttlMs ?? ACCESS_CACHE_MS, maxEntries: options.maxEntries ?? ACCESS_CACHE_ENTRIES, now: options.now };
    this.grants = new ChangeCache(settings);
    this.granted = new ChangeCache(settings);
    this.standings = new ChangeCache(settings);
  }

  /** Keeps answers while `feed` is heard; until then nothing is kept. */
  follow(feed: ChangeFeed): this {
    this.grants.follow(feed, ['role_grants']);
    this.granted.follow(feed, ['role_grants']);
    this.standings.follow(feed, ['channels']);
    return this;
  }

  rolesOf(db: Queryable, userId: string): Promise<Grantable[]> {
    return this.grants.get(userId, () => grantsOf(db, userId));
  }

  grantedRoles(db: Queryable): Promise<ReadonlySet<Grantable>> {
    return this.granted.get('granted', () => grantedRoles(db));
  }

  standingOf(db: Queryable, conversationId: string): Promise<ChannelStanding | undefined> {
    return this.standings.get(conversationId, () => channelStanding(db, conversationId));
  }

  forget(): void {
    this.grants.forget();
    this.granted.forget();
    this.standings.forget();
  }

  /** How many answers are kept. */
  get size(): number {
    return this.grants.size + this.granted.size + this.standings.size;
  }
}
