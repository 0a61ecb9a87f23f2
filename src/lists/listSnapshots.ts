import type { DailyList, ListSettings } from '../domain/dailyList';
import type { Queryable } from '../store/db';
import { listVersion, wasPosted, type CardKind } from '../store/postedCards';
import { loadDailyList } from './dailyListService';
import { ListCardCache, type ListCardRequest } from './listCards';
import type { CardJson } from '../cards/render';
import { ChangeCache, type ChangeFeed } from '../store/changeFeed';
import { acknowledgementsOn, type Acknowledgement } from '../store/acknowledgements';

/** Days kept: today, and a few earlier cards still being tapped. */
const DAYS_KEPT = 4;
/** However well changes are heard, a kept version is read again after this long. */
const VERSION_KEPT_MS = 60_000;
/** Conversations (with the day and kind of card) known to have been posted a card, at most; the oldest go first. */
const POSTED_KEPT = 10_000;

/** How a caller reads the day: `readOnly` when it changed nothing, so the version as last heard will do. */
export interface ReadOptions {
  readOnly?: boolean;
}

/**
 * The day's list as last built, kept for the taps that follow (a page turned, a list acknowledged,
 * a card refreshed): reused while the day's list version is unchanged and the clock is in the same
 * minute, built again otherwise. The version is in the database and every change that shows on the
 * card moves it on, so a change made on another replica is seen at the next tap here; the minute
 * keeps "missing 20 h" and "RHI due in 3 h" true. Only reads use it: an action that changes the
 * list answers from a list loaded after its change.
 *
 * The version itself is kept in memory for taps that only read (`readOnly`) while changes are heard
 * (`follow`): a change to any day's version, from any replica, is heard at its commit and forgets
 * them. Everyone else reads it from the database: an action answering after its own change (which
 * another replica may not have heard of yet, nor this one on PostgreSQL), the card refresher, the
 * daily post.
 */
export class ListSnapshots {
  private readonly kept = new Map<string, Kept<DailyList>>();
  private readonly acknowledged = new Map<string, Kept<Acknowledgement[]>>();
  private readonly cards = new ListCardCache(this);
  private readonly versions = new ChangeCache<string, number>({ ttlMs: VERSION_KEPT_MS, maxEntries: DAYS_KEPT * 4 });
  private readonly postedHere = new Map<string, number>();

  /** Keeps versions while `feed` is heard; until then each is read from the database. */
  follow(feed: ChangeFeed): this {
    this.versions.follow(feed, ['list_versions']);
    return this;
  }

  /** The day's list version: as last heard for a read-only caller, otherwise from the database. */
  version(db: Queryable, date: string, options: ReadOptions = {}): Promise<number> {
    return this.versions.get(date, () => listVersion(db, date), { fresh: !options.readOnly });
  }

  /**
   * Whether this conversation was posted a card of that kind for that day (`wasPosted`: a card
   * action names its card, and only a card posted here is answered), a yes kept for a minute: a
   * colleague's tap on the same card asks nothing. Only a yes: a card once sent stays sent (a card
   * asked for again replaces its copy in the same conversation with another, sent), so a yes cannot
   * turn into a no, while a no may turn into a yes at the next post and is asked every time.
   */
  async posted(db: Queryable, conversationId: string, date: string, kind: CardKind, now = Date.now()): Promise<boolean> {
    const key = `${date}\u0000${kind}\u0000${conversationId}`;
    const until = this.postedHere.get(key);
    if (until !== undefined && until > now) return true;
    const posted = await wasPosted(db, conversationId, date, kind);
    this.postedHere.delete(key);
    if (posted) {
      this.postedHere.set(key, now + VERSION_KEPT_MS);
      if (this.postedHere.size > POSTED_KEPT) this.postedHere.delete(this.postedHere.keys().next().value!);
    }
    return posted;
  }

  /**
   * The day's card as an audience sees it, drawn from the kept list once per version and minute and
   * shared by every tap that only reads it (a page turned by anyone in any Police channel).
   */
  card(db: Queryable, request: Omit<ListCardRequest, 'notice' | 'list'>, settings: ListSettings, options: ReadOptions = {}): Promise<CardJson> {
    return this.cards.card(db, request, settings, options);
  }

  async get(db: Queryable, date: string, now: Date, settings: ListSettings, options: ReadOptions = {}): Promise<DailyList> {
    return keep(this.kept, date, await this.version(db, date, options), now, () => loadDailyList(db, date, now, settings));
  }

  /**
   * The day's acknowledgements, read once per version and minute. Every acknowledgement that adds
   * something moves the version on, and one only ever adds (what an agency saw grows, nothing takes
   * it back), so what is kept here was all recorded: a tap that would add nothing to it (the same
   * card acknowledged again by a colleague) needs no statement to know it.
   */
  async acknowledgements(db: Queryable, date: string, now: Date, options: ReadOptions = {}): Promise<Acknowledgement[]> {
    return keep(this.acknowledged, date, await this.version(db, date, options), now, () => acknowledgementsOn(db, date));
  }
}

interface Kept<T> {
  version: number;
  minute: number;
  value: Promise<T>;
}

/** A day's answer kept for its version and minute (a few days at most); a failed read is not kept. */
function keep<T>(kept: Map<string, Kept<T>>, date: string, version: number, now: Date, read: () => Promise<T>): Promise<T> {
  const minute = Math.floor(now.getTime() / 60_000);
  const hit = kept.get(date);
  if (hit && hit.version === version && hit.minute === minute) return hit.value;
  const entry = { version, minute, value: read() };
  kept.delete(date);
  kept.set(date, entry);
  if (kept.size > DAYS_KEPT) kept.delete(kept.keys().next().value!);
  entry.value.catch(() => {
    if (kept.get(date) === entry) kept.delete(date);
  });
  return entry.value;
}
