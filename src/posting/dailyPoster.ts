import type { Logger } from 'pino';
import { atLocalTime, isWorkingDay, localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { listCard } from '../lists/listCards';
import type { CardSender } from '../bot/sender';
import { activeLinkedChannels, type Channel } from '../store/channels';
import type { Database } from '../store/db';
import { claimDailyPost, markFailed, markSent, type ClaimPolicy } from '../store/postedCards';
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
      const card = await listCard(db, { kind: 'daily_list', date, page: 0, audience: { agency: channel.agency!, displayLevel: channel.displayLevel, private: false }, now }, settings);
      const activityId = await this.options.sender.sendCard(channel.reference, card);
      await markSent(db, claim.id, activityId, this.options.now());
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
      const message = (error as Error).message;
      await markFailed(db, claim.id, message, this.options.now());
      this.options.logger.error({ channel: channel.id, agency: channel.agency, error: message }, 'daily list not delivered; will retry');
      return 'failed';
    }
  }
}
