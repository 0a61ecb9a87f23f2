import { EventEmitter } from 'node:events';
import type { Grantable } from '../domain/access';
import { channelStanding, type ChannelStanding } from '../store/channels';
import type { Database, Queryable } from '../store/db';
import { grantsOf } from '../store/grants';

/**
 * Who may act where, kept in memory: every card tap asks for the person's granted roles and the
 * channel's standing, and on the embedded database each question was a sixth of a tap's work.
 *
 * An answer is kept only while the database is heard: migration 013 notifies `huddle_access` at the
 * commit of any change to grants or to a channel's standing (from this replica, another, or psql),
 * and everything kept is then forgotten. While the listening connection is lost nothing is kept and
 * every question goes to the database. An answer read while a change was told is not kept (it may
 * predate the change). Each answer is also forgotten after `ttlMs`, and at most `maxEntries` are kept.
 */

export const ACCESS_CHANNEL = 'huddle_access';
/** However well notifications are heard, an answer is asked again after this long. */
export const ACCESS_CACHE_MS = 60_000;
/** Answers kept of each kind; the oldest go first. */
export const ACCESS_CACHE_ENTRIES = 10_000;

export class ChangeCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  /** Moves on at every change told: a read that started before it is not kept. */
  private generation = 0;
  private hearing = false;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; now: () => number }) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether changes are being heard; answers are kept only then. */
  set live(hearing: boolean) {
    this.hearing = hearing;
    this.forget();
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  async get(key: K, read: () => Promise<V>): Promise<V> {
    const now = this.options.now();
    const kept = this.entries.get(key);
    if (kept && this.hearing && kept.until > now) return kept.value;
    const generation = this.generation;
    const value = await read();
    if (this.hearing && generation === this.generation) {
      this.entries.delete(key);
      this.entries.set(key, { value, until: now + this.options.ttlMs });
      if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }
}

/** Emits `change` (payload: the table) after forgetting, and `live` (boolean) as hearing starts and stops. */
export class AccessCache extends EventEmitter {
  private readonly grants: ChangeCache<string, Grantable[]>;
  private readonly standings: ChangeCache<string, ChannelStanding | undefined>;
  private stop: (() => Promise<void>) | undefined;

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    super();
    const settings = { ttlMs: options.ttlMs ?? ACCESS_CACHE_MS, maxEntries: options.maxEntries ?? ACCESS_CACHE_ENTRIES, now: options.now ?? Date.now };
    this.grants = new ChangeCache(settings);
    this.standings = new ChangeCache(settings);
  }

  /** Starts hearing changes on `db`; until then (and after `close`) nothing is kept. */
  async listen(db: Database): Promise<this> {
    this.stop = await db.listen(ACCESS_CHANNEL, {
      notified: (table) => {
        this.forget();
        this.emit('change', table);
      },
      live: (hearing) => {
        this.grants.live = hearing;
        this.standings.live = hearing;
        this.emit('live', hearing);
      },
    });
    return this;
  }

  rolesOf(db: Queryable, userId: string): Promise<Grantable[]> {
    return this.grants.get(userId, () => grantsOf(db, userId));
  }

  standingOf(db: Queryable, conversationId: string): Promise<ChannelStanding | undefined> {
    return this.standings.get(conversationId, () => channelStanding(db, conversationId));
  }

  forget(): void {
    this.grants.forget();
    this.standings.forget();
  }

  /** How many answers are kept (for tests and `status`). */
  get size(): number {
    return this.grants.size + this.standings.size;
  }

  async close(): Promise<void> {
    this.grants.live = false;
    this.standings.live = false;
    await this.stop?.();
    this.stop = undefined;
  }
}
