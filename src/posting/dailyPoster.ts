import type { Logger } from 'pino';
import { atLocalTime, isWorkingDay, localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { ListSnapshots } from '../lists/listSnapshots';
import type { CardSender } from '../bot/sender';
import { activeLinkedChannels, type Channel } from '../store/channels';
import type { Database } from '../store/db';
import type { CardJson } from '../cards/render';
import type { PostFinder } from '../graph/channelMessages';
import { claimScheduledPost, markFailed, markSending, markSent, type ClaimPolicy, type PostedCard, type ScheduledKind } from '../store/postedCards';
import { audit } from '../store/repositories';
import { highRiskListDue, monthlyFiguresDue, type Weekday } from '../domain/oversight';
import type { ReportLinks } from '../meetings/links';
import { monthlyCardFor } from '../reports/monthlyCard';
import { highRiskCard, loadHighRiskList } from '../reports/highRisk';
import { minutesCard } from '../lists/minutesCard';
import { Rounds } from './rounds';

/**
 * Posts what is due into the channels it is for: the day's list into every linked channel at the
 * post time on working days; last month's figures and the week's high-risk list into the channels
 * linked to management. Each (channel, kind, period) is claimed in the database before sending and
 * marked sent with the activity id after, so a restart or a second instance never posts twice; a
 * failed post is kept and retried.
 */

/** One kind of scheduled post: when it is due, where it goes, and its card for a channel. */
export interface Schedule {
  kind: ScheduledKind;
  /** The audit action of a post that went. */
  action: string;
  /** The period due at `now` (its first day, YYYY-MM-DD), or null when nothing is due. */
  due(now: Date, db: Database): string | null | Promise<string | null>;
  /** Whether a linked channel gets it. */
  forChannel(channel: Channel): boolean;
  card(db: Database, channel: Channel, period: string, now: Date): Promise<CardJson>;
}

export function dailyListSchedule(settings: ListSettings, lists: ListSnapshots = new ListSnapshots()): Schedule {
  // Each agency's card is drawn once and sent to all its channels (again when the list changes).
  return {
    kind: 'daily_list',
    action: 'list.posted',
    due(now) {
      const date = localDate(now, settings.timeZone);
      return isWorkingDay(date, settings.bankHolidays) && now >= atLocalTime(date, settings.postTime, settings.timeZone) ? date : null;
    },
    forChannel: (channel) => channel.agency !== null,
    card: (db, channel, date, now) => lists.card(db, { kind: 'daily_list', date, page: 0, audience: { agency: channel.agency!, displayLevel: channel.displayLevel, private: false }, now }, settings),
  };
}

export interface OversightSettings {
  /** HIGH_RISK_LIST_DAY. */
  listDay: Weekday;
  links: ReportLinks | null;
}

export function monthlyReportSchedule(settings: ListSettings, oversight: OversightSettings): Schedule {
  return {
    kind: 'monthly_report',
    action: 'report.posted',
    due: (now) => {
      const month = monthlyFiguresDue(now, settings);
      return month && `${month}-01`;
    },
    forChannel: (channel) => channel.agency === 'management',
    card: (db, _channel, period, now) => monthlyCardFor(db, period.slice(0, 7), now, settings, oversight.links),
  };
}

export function highRiskSchedule(settings: ListSettings, oversight: OversightSettings): Schedule {
  return {
    kind: 'high_risk',
    action: 'high_risk.posted',
    due: (now) => highRiskListDue(now, settings, oversight.listDay),
    forChannel: (channel) => channel.agency === 'management',
    async card(db, channel, period, now) {
      const list = await loadHighRiskList(db, period, now, settings);
      return highRiskCard(list, { agency: channel.agency!, displayLevel: channel.displayLevel, private: false }, settings.timeZone);
    },
  };
}

/** A huddle's minutes stay due (failed channels retried) this long after it was closed. */
export const MINUTES_DUE_MS = 36 * 3_600_000;

/** The minutes of the latest huddle closed (within MINUTES_DUE_MS): to every linked channel, as its agency sees them. */
export function minutesSchedule(settings: ListSettings): Schedule {
  return {
    kind: 'minutes',
    action: 'minutes.posted',
    async due(now, db) {
      const rows = await db.query<{ list_date: string }>(
        `select to_char(list_date, 'YYYY-MM-DD') as list_date from huddles where closed_at is not null and closed_at >= $1 order by list_date desc limit 1`,
        [new Date(now.getTime() - MINUTES_DUE_MS)],
      );
      return rows[0]?.list_date ?? null;
    },
    forChannel: (channel) => channel.agency !== null,
    card: (db, channel, date) => minutesCard(db, date, { agency: channel.agency!, displayLevel: channel.displayLevel, private: false }, settings),
  };
}

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
  /** The monthly figures and the weekly high-risk list for management channels; without it, the daily list only. */
  oversight?: OversightSettings;
  /** The day's list and its cards as the rest of the service keeps them (by default, the poster's own). */
  lists?: ListSnapshots;
}

export interface PostRun {
  /** The period (for the daily list, the day). */
  date: string;
  due: boolean;
  sent: number;
  failed: number;
  skipped: number;
}

/** The daily list's run, and each other kind's. */
export interface PosterRun extends PostRun {
  others: Partial<Record<ScheduledKind, PostRun>>;
}

export class DailyPoster {
  private readonly rounds: Rounds<PosterRun>;
  private readonly schedules: Schedule[];

  constructor(private readonly options: PosterOptions) {
    const { settings, oversight } = options;
    this.schedules = [dailyListSchedule(settings, options.lists), minutesSchedule(settings), ...(oversight ? [monthlyReportSchedule(settings, oversight), highRiskSchedule(settings, oversight)] : [])];
    this.rounds = new Rounds(() => this.run(), options.logger, 'daily post run');
  }

  /**
   * Posts whatever is due now. A call while a run is under way waits for it and then runs once more
   * (calls meanwhile share that one): what changed since the run began (a channel linked, a huddle
   * closed) is posted without waiting for the next round.
   */
  runOnce(): Promise<PosterRun> {
    return this.rounds.runOnce();
  }

  /** Every 30 seconds, the first at once (a list due while the service was down goes now). */
  start(intervalMs = 30_000): void {
    this.rounds.start(intervalMs, { now: true });
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** The daily list first (the morning's work waits on it), then the oversight posts, one kind after another. */
  private async run(): Promise<PosterRun> {
    const runs: PostRun[] = [];
    for (const schedule of this.schedules) runs.push(await this.runSchedule(schedule));
    const [daily, ...others] = runs;
    return { ...daily!, others: Object.fromEntries(others.map((run, index) => [this.schedules[index + 1]!.kind, run])) };
  }

  private async runSchedule(schedule: Schedule): Promise<PostRun> {
    const now = this.options.now();
    const period = await schedule.due(now, this.options.db);
    const run: PostRun = { date: period ?? localDate(now, this.options.settings.timeZone), due: period !== null, sent: 0, failed: 0, skipped: 0 };
    if (!period) return run;
    const queue = (await activeLinkedChannels(this.options.db)).filter((channel) => schedule.forChannel(channel));
    const worker = async () => {
      for (let channel = queue.shift(); channel; channel = queue.shift()) {
        const outcome = await this.postTo(schedule, channel, period);
        run[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker));
    if (run.sent + run.failed > 0) this.options.logger.info({ kind: schedule.kind, ...run }, 'scheduled post made');
    return run;
  }

  private async postTo(schedule: Schedule, channel: Channel, date: string): Promise<'sent' | 'failed' | 'skipped'> {
    const { db } = this.options;
    const now = this.options.now();
    const claim = await claimScheduledPost(db, channel, schedule.kind, date, {
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
        await audit(db, { actor: 'scheduler', actorKind: 'system', action: 'list.post_confirmed', subjectType: 'channel', subjectId: channel.id, conversationId: channel.conversationId, details: { kind: schedule.kind, listDate: date } });
        return 'sent';
      }
      const card = withPostMarker(await schedule.card(db, channel, date, now), claim.id);
      await markSending(db, claim.id, this.options.now());
      const activityId = await this.options.sender.sendCard(channel.reference, card);
      await markSent(db, claim.id, activityId, this.options.now(), { possibleDuplicate: landed.unsure });
      await audit(db, {
        actor: 'scheduler',
        actorKind: 'system',
        action: schedule.action,
        subjectType: 'channel',
        subjectId: channel.id,
        conversationId: channel.conversationId,
        details: { listDate: date, agency: channel.agency, displayLevel: channel.displayLevel, attempt: claim.attempts + 1 },
      });
      return 'sent';
    } catch (error) {
      const message = (error as Error).message.slice(0, 300);
      await markFailed(db, claim.id, message, this.options.now());
      this.options.logger.error({ kind: schedule.kind, channel: channel.id, agency: channel.agency, error: message }, 'scheduled post not delivered; will retry');
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
