import { renderCard } from '../cards/render';
import { formatLocal } from '../domain/calendar';
import type { ListSnapshots } from '../lists/listSnapshots';
import type { ListCardKind } from '../cards/dailyListCard';
import type { Logger } from 'pino';
import type { CardSender } from '../bot/sender';
import type { ListSettings } from '../domain/dailyList';
import type { RoleDirectory } from '../access/roles';
import { audienceAt, type Audience } from '../domain/access';
import { activeLinkedChannels, type Channel } from '../store/channels';
import type { Queryable } from '../store/db';
import { bumpListVersion, listVersion, postedCardsOn, type PostedCard } from '../store/postedCards';

/** A day that keeps changing is refreshed a few times in a row at most; the next change starts again. */
const MAX_ROUNDS = 5;

/**
 * Who a posted copy is drawn for now: a channel's copy as its agency while the channel stays active
 * and linked (`linked`: the active linked channels by conversation); a personal chat's copy for its
 * person while they still hold the missing-team role. Null when that copy may no longer be updated
 * (it is left as it was).
 */
export async function audienceOfPost(roles: RoleDirectory, post: PostedCard, linked: ReadonlyMap<string, Channel>): Promise<Audience | null> {
  if (post.place === 'channel') {
    const channel = linked.get(post.conversationId);
    return channel?.agency ? { agency: channel.agency, displayLevel: channel.displayLevel, private: false } : null;
  }
  if (!post.forUserId) return null;
  return audienceAt(await roles.person({ id: post.forUserId }), { kind: 'personal' });
}

/**
 * Copies updated at once. The sender keeps every update inside Teams' limits (the app's 50 a second
 * is the bound), so more at once would only queue there; fewer would leave the budget unused while
 * each update waits for its answer.
 */
export const REFRESH_CONCURRENCY = 8;

/**
 * Brings every posted copy of a day's card up to date after an acknowledgement, a note or a record.
 * Requests for a day that arrive while its refresh runs are folded into one more run in this
 * process; across replicas, each run checks the day's version after updating the copies and goes
 * round again if another change came in meanwhile. Either way the last update of every copy reads
 * the latest state: two people acting at once both end up on every copy.
 */
export class CardRefresher {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly deps: { db: Queryable; sender: CardSender; settings: ListSettings; now: () => Date; logger: Logger; roles: RoleDirectory; lists: ListSnapshots }) {}

  /**
   * Call after a change to the day's card was committed. Never rejects: callers fire and forget it,
   * and a refresh that fails (the database gone meanwhile) is logged, not allowed to stop the
   * process as an unhandled rejection would; the next change or a Refresh tap brings the copies up.
   */
  request(listDate: string): Promise<void> {
    return this.refresh(listDate).catch((error: Error) => this.deps.logger.error({ listDate, error: error.message }, 'could not bring the posted copies up to date'));
  }

  private refresh(listDate: string): Promise<void> {
    const current = this.running.get(listDate);
    if (current) {
      this.again.add(listDate);
      // Other replicas learn of this change through the version, as they do of any change here.
      return bumpListVersion(this.deps.db, listDate).then(() => current);
    }
    const run = (async () => {
      await bumpListVersion(this.deps.db, listDate);
      let rounds = 0;
      let moved = false;
      do {
        this.again.delete(listDate);
        const version = await listVersion(this.deps.db, listDate);
        await this.refreshAll(listDate);
        moved = (await listVersion(this.deps.db, listDate)) !== version;
      } while ((this.again.has(listDate) || moved) && ++rounds < MAX_ROUNDS);
    })().finally(() => this.running.delete(listDate));
    this.running.set(listDate, run);
    return run;
  }

  /**
   * A copy that a newer one in the same conversation replaced: it is no longer refreshed, so it says
   * where the current one is rather than going quietly out of date. Best effort: a copy that cannot
   * be updated (deleted in Teams) is left as it is.
   */
  async supersede(post: PostedCard, title: string, at: Date): Promise<void> {
    if (!post.activityId) return;
    const text = `Posted again at ${formatLocal(at, this.deps.settings.timeZone, 'HH:mm')}: the up-to-date copy is further down. This one is no longer kept up to date.`;
    try {
      await this.deps.sender.updateCard(post.reference, post.activityId, renderCard('superseded', { title, text }));
    } catch (error) {
      this.deps.logger.warn({ post: post.id, error: (error as Error).message }, 'could not mark a replaced copy');
    }
  }

  /** Resolves when no refresh is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async refreshAll(listDate: string): Promise<void> {
    const { db, settings, sender, logger } = this.deps;
    const posts = (await postedCardsOn(db, listDate)).filter((post) => post.status === 'sent' && post.activityId);
    if (posts.length === 0) return;
    const linked = new Map((await activeLinkedChannels(db)).map((channel) => [channel.conversationId, channel]));
    // The day's list is the same for every copy in a round (a change during it starts another round):
    // each audience's card is drawn once from the kept list, not once per copy.
    const queue = [...posts];
    const worker = async () => {
      for (let post = queue.shift(); post; post = queue.shift()) {
        try {
          const audience = await audienceOfPost(this.deps.roles, post, linked);
          if (!audience) continue; // unlinked, or no longer the missing team's: leave that copy as it was
          // The page the copy was last turned to stays (the card clamps a page the list no longer has).
          const card = await this.deps.lists.card(db, { kind: post.kind as ListCardKind, date: listDate, page: post.page, audience, now: this.deps.now() }, settings);
          await sender.updateCard(post.reference, post.activityId!, card);
        } catch (error) {
          logger.error({ post: post.id, error: (error as Error).message }, 'could not update a posted card');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REFRESH_CONCURRENCY, queue.length) }, worker));
  }
}
