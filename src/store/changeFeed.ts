import { EventEmitter } from 'node:events';
import type { Database } from './db';

/**
 * What replicas keep in memory (who may act where, each day's list version) is forgotten when the
 * database says it changed: the triggers of migration 013 notify `huddle_changes` at the commit of
 * any change to those tables, whoever makes it (a command, another replica, a fix made by hand in
 * psql), with the table's name; a rollback tells nothing.
 *
 * Emits `change` (the table) and `live` (true once notifications are heard, false while the
 * listening connection is lost: a change made then is not heard, so nothing may be kept meanwhile).
 */
export const CHANGES_CHANNEL = 'huddle_changes';

export class ChangeFeed extends EventEmitter {
  private stop: (() => Promise<void>) | undefined;
  private hearing = false;

  /** Whether changes are heard now. */
  get live(): boolean {
    return this.hearing;
  }

  async listen(db: Database): Promise<this> {
    this.stop = await db.listen(CHANGES_CHANNEL, {
      notified: (table) => this.emit('change', table),
      live: (hearing) => {
        this.hearing = hearing;
        this.emit('live', hearing);
      },
    });
    return this;
  }

  async close(): Promise<void> {
    if (this.hearing) {
      this.hearing = false;
      this.emit('live', false);
    }
    await this.stop?.();
    this.stop = undefined;
  }
}

/**
 * Answers kept while the feed is heard, forgotten at any change to `tables`: never kept while not
 * heard, never kept when read across a change (it may predate it), and asked again after `ttlMs`
 * whatever is heard, at most `maxEntries` kept (the oldest go first).
 */
export class ChangeCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  /** Moves on at every change told: a read that started before it is not kept. */
  private generation = 0;
  private hearing = false;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; now?: () => number }) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether changes are being heard; answers are kept only then. */
  set live(hearing: boolean) {
    this.hearing = hearing;
    this.forget();
  }

  /** Keeps answers while `feed` is heard, forgetting them at a change to any of `tables`. */
  follow(feed: ChangeFeed, tables: readonly string[]): this {
    this.live = feed.live;
    feed.on('live', (hearing: boolean) => (this.live = hearing));
    feed.on('change', (table: string) => {
      if (tables.includes(table)) this.forget();
    });
    return this;
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The kept answer, or `read`'s (kept if it may be). `fresh` reads whatever is kept (after a change of one's own). */
  async get(key: K, read: () => Promise<V>, options: { fresh?: boolean } = {}): Promise<V> {
    const now = (this.options.now ?? Date.now)();
    const kept = this.entries.get(key);
    if (kept && !options.fresh && this.hearing && kept.until > now) return kept.value;
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
