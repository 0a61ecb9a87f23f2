import type { Logger } from 'pino';
import { atLocalTime, isWorkingDay, localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { listCard } from '../lists/listCards';
import type { CardSender } from '../bot/sender';
import { activeLinkedChannels, type Channel } from '../store/channels';
import type { Database } from '../store/db';
import type { CardJson } from '../cards/render';
import type { PostFinder } from '../graph/channelMessages';
import { claimDailyPost, markFailed, markSending, markSent, type ClaimPolicy, type PostedCard } from '../store/postedCards';
import { audit } from '../store/repositories';

/**
 * Posts the day's list into every linked channel at the post time on working days. Each (channel,
 * day) is claimed in the database before sending and marked sent with the activity id after, so a
 * restart or a second instance never posts twice; a failed post is kept and retried.
 */

export interface PosterOptions {
  db: Database;
  sender: CardSender;
  settings: ListSettings;
  logger: Logger;
  now: () => Date;
  instance: string;
  claim?: Partial<Pick<ClaimPolicy, 'staleAfterMs' | 'retryAfterMs' | 'maxAttempts'>>;
  /** Channels posted to at once. */
  concurrency?: number;
  /** Reads a channel's recent messages (Graph); without it an unconfirmed post is sent again and flagged. */
  posts?: PostFinder | null;
}

export interface PostRun {
  date: string;
  due: boolean;
  sent: number;
  failed: number;
  skipped: number;
}

export class DailyPoster {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PostRun> | undefined;

  constructor(private readonly options: PosterOptions) {}

  /** Posts whatever is due now; overlapping calls share one run. */
  runOnce(): Promise<PostRun> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs = 30_000): void {
    const tick = () =>
      void this.runOnce().catch((error: Error) => this.options.logger.error({ err: { message: error.message } }, 'daily post run failed'));
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<PostRun> {
    const { settings } = this.options;
    const now = this.options.now();
    const date = localDate(now, settings.timeZone);
    const run: PostRun = { date, due: false, sent: 0, failed: 0, skipped: 0 };
    if (!isWorkingDay(date, settings.bankHolidays) || now < atLocalTime(date, settings.postTime, settings.timeZone)) return run;
    run.due = true;
    const queue = [...(await activeLinkedChannels(this.options.db))];
    const worker = async () => {
      for (let channel = queue.shift(); channel; channel = queue.shift()) {
        const outcome = await this.postTo(channel, date);
        run[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker));
    if (run.sent + run.failed > 0) this.options.logger.info({ ...run }, 'daily list posted');
    return run;
  }

  private async postTo(channel: Channel, date: string): Promise<'sent' | 'failed' | 'skipped'> {
    const { db, settings } = this.options;
    const now = this.options.now();
    const claim = await claimDailyPost(db, channel, date, {
      instance: this.options.instance,
      now,
      staleAfterMs: this.options.claim?.staleAfterMs ?? 10 * 60_000,
      retryAfterMs: this.options.claim?.retryAfterMs ?? 2 * 60_000,
      maxAttempts: this.options.claim?.maxAttempts ?? 30,
    });
    if (!claim) return 'skipped';
    try {
      // A send that began and was never confirmed may have landed: look before posting again.
      const landed = claim.sendStartedAt ? await this.landedEarlier(channel, claim) : { activityId: null, unsure: false };
      if (landed.activityId) {
        await markSent(db, claim.id, landed.activityId, this.options.now());
        await audit(db, { actor: 'scheduler', actorKind: 'system', action: 'list.post_confirmed', subjectType: 'channel', subjectId: channel.id, conversationId: channel.conversationId, details: { listDate: date } });
        return 'sent';
      }
      const card = withPostMarker(await listCard(db, { kind: 'daily_list', date, page: 0, audience: { agency: channel.agency!, displayLevel: channel.displayLevel, private: false }, now }, settings), claim.id);
      await markSending(db, claim.id, this.options.now());
      const activityId = await this.options.sender.sendCard(channel.reference, card);
      await markSent(db, claim.id, activityId, this.options.now(), { possibleDuplicate: landed.unsure });
      await audit(db, {
        actor: 'scheduler',
        actorKind: 'system',
        action: 'list.posted',
        subjectType: 'channel',
        subjectId: channel.id,
        conversationId: channel.conversationId,
        details: { listDate: date, agency: channel.agency, displayLevel: channel.displayLevel, attempt: claim.attempts + 1 },
      });
      return 'sent';
    } catch (error) {
      const message = (error as Error).message.slice(0, 300);
      await markFailed(db, claim.id, message, this.options.now());
      this.options.logger.error({ channel: channel.id, agency: channel.agency, error: message }, 'daily list not delivered; will retry');
      return 'failed';
    }
  }

  /**
   * Whether an earlier, unconfirmed send of this post is in the channel (found by its marker).
   * `unsure` when it cannot be told (no Graph, no team id, Graph failing): then the post goes again,
   * flagged, because a list missing from a channel is worse than one shown twice.
   */
  private async landedEarlier(channel: Channel, claim: PostedCard): Promise<{ activityId: string | null; unsure: boolean }> {
    const finder = this.options.posts;
    if (!finder || !channel.teamAadGroupId) return { activityId: null, unsure: true };
    try {
      return { activityId: await finder.findPost(channel.teamAadGroupId, channel.conversationId, postMarker(claim.id)), unsure: false };
    } catch (error) {
      this.options.logger.warn({ channel: channel.id, error: (error as Error).message }, 'could not confirm an earlier send; posting again');
      return { activityId: null, unsure: true };
    }
  }
}

/** What a post carries so that it can be found in its channel: its claim's id. */
export const postMarker = (postId: string) => `huddle-post:${postId}`;

/** Puts the marker into the data of the card's own actions (free-form, unseen, and kept by Teams). */
export function withPostMarker(card: CardJson, postId: string): CardJson {
  const actions = (card.actions as { data?: Record<string, unknown> }[] | undefined) ?? [];
  return { ...card, actions: actions.map((action) => ({ ...action, data: { ...(action.data ?? {}), post: postMarker(postId) } })) };
}
