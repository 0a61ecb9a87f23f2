import type { Activity, CloudAdapter, ConversationReference } from 'botbuilder';
// botbuilder's own files and botbuilder-core, not botbuilder's index: the index also loads skills,
// streaming, SharePoint and the transcript store at every start (test/app/modulesLoaded.test.ts).
import { CardFactory, MessageFactory, TurnContext } from 'botbuilder-core';
import type { Logger } from 'pino';
import type { ConversationRef } from '../store/conversationRef';

/**
 * The one way the bot posts proactively: keeps to Teams' rate limits and retries what Teams says
 * to retry (429, 412, 502, 503, 504, timeouts) with exponential backoff and jitter, honouring
 * Retry-After. A post that still fails throws SendError, for the caller to record and retry later.
 */

export interface Window {
  limit: number;
  windowMs: number;
}

/** Teams' limits for a bot: per conversation thread, and per app per tenant. */
export const THREAD_LIMITS: Window[] = [
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1_800, windowMs: 3_600_000 },
];
/**
 * Teams counts a request when it arrives: somewhere between when it left and when its answer came
 * back. Each request is counted here from its answer once it has one (RateLimiter.answered), the
 * latest it can have arrived, so the 51st leaves a full second after the first arrived however
 * slowly the first went (a fan-out's first post arrives 60–66 ms after it leaves: new connections,
 * code run for the first time). Replicas sharing the budget (PostgreSQL) record their answers in it
 * (SharedAppBudget.answered), so each plans from the others' answers too. The margin covers only
 * the clocks' rounding to the millisecond; it was 50 ms while posts were counted from when they
 * left, which cost a fan-out of 1,000 posts 0.95 s of its 20 s.
 */
export const CLOCK_MARGIN_MS = 10;
export const APP_LIMIT: Window = { limit: 50, windowMs: 1_000 + CLOCK_MARGIN_MS };
/**
 * Where the app's budget of requests is kept. Every replica shares one (on PostgreSQL, a row all of
 * them reserve from), so that together they keep to the app's limit however many there are and
 * whenever each starts; one process alone keeps it in memory.
 */
export interface AppBudget {
  /**
   * Reserves the moment of the next request; answers how many milliseconds to wait for it and,
   * where a moment can be given back, how to give it back when Teams refuses the request (429: it
   * was not counted) so that the budget is not one short; where the budget is shared, how to
   * count the request from its answer (the latest Teams can have counted it) for every replica.
   */
  reserve(): Promise<{ waitMs: number; release?(): void; answered?(): Promise<void> }>;
}

/** The app's budget in this process (PGlite, or a test): nobody else sends. */
export class LocalAppBudget implements AppBudget {
  constructor(private readonly limiter: RateLimiter = new RateLimiter()) {}

  reserve(): Promise<{ waitMs: number; release(): void }> {
    const { at, waitMs } = this.limiter.reserveSlot(APP_RULE.key, APP_RULE.windows);
    return Promise.resolve({ waitMs, release: () => this.limiter.release(APP_RULE.key, at) });
  }
}

/** A key's windows: what the limiter counts requests under (a thread's, or the app's). */
export interface Rule {
  key: string;
  windows: Window[];
}

/** The app's rule: every request counts under it, whatever thread it goes to. */
const APP_RULE: Rule = { key: 'app', windows: [APP_LIMIT] };

/**
 * Sliding-window limiter. `reserve` plans: it answers the earliest moment a request may go, so
 * concurrent callers queue. `depart` checks the plan against what happened: a request that woke
 * late (the event loop held up, the machine busy) would otherwise leave within a window of one
 * planned a full window after it, and Teams, counting arrivals, answers 429 and a second's wait.
 */
export class RateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly departed = new Map<string, number[]>();
  private readonly givenBack = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Reserves a slot for `key` under every window; answers how long to wait before using it. */
  reserve(key: string, windows: Window[]): number {
    return this.reserveSlot(key, windows).waitMs;
  }

  /**
   * Reserves as `reserve` does; answers the moment reserved too (to give it back with `release`).
   * A moment given back is taken first, as soon as it fits: the slots are planned a window after
   * those before them, so a gap left behind would otherwise never be filled.
   */
  reserveSlot(key: string, windows: Window[]): { at: number; waitMs: number } {
    const now = this.now();
    const times = this.recent(this.sent, key, windows, now);
    const at = this.takeGivenBack(key, times, windows, now) ?? earliest(times, windows, now);
    times.push(at);
    times.sort((a, b) => a - b);
    return { at, waitMs: at - now };
  }

  /** Gives back the slot reserved for `key` at `at`: Teams refused the request (429), so it did not count it. */
  release(key: string, at: number): void {
    if (!remove(this.sent.get(key), at)) return;
    const given = this.givenBack.get(key) ?? this.givenBack.set(key, []).get(key)!;
    given.push(at);
  }

  /** The first moment given back that still fits (now at the earliest), if any; those that no longer fit are dropped. */
  private takeGivenBack(key: string, times: number[], windows: Window[], now: number): number | undefined {
    const given = this.givenBack.get(key);
    while (given && given.length > 0) {
      const at = Math.max(now, given.shift()!);
      if (fits(times, windows, at)) return at;
    }
    return undefined;
  }

  /**
   * Counts a request that left at `departedAt` from now, its answer, under every rule: Teams
   * counted it when it arrived, and the answer is the latest moment that can have been. Until its
   * answer a request counts from when it left (one hung for seconds would otherwise hold back every
   * post behind it).
   */
  answered(rules: Rule[], departedAt: number): void {
    const now = this.now();
    for (const { key, windows } of rules) {
      const times = this.recent(this.departed, key, windows, now);
      remove(times, departedAt);
      times.push(now);
      times.sort((a, b) => a - b);
    }
  }

  /** Forgets a departure recorded at `at` under every rule, for the same reason. */
  forgetDeparture(rules: Rule[], at: number): void {
    for (const { key } of rules) remove(this.departed.get(key), at);
  }

  /**
   * Records a request leaving now under every rule, when every rule's windows hold fewer than
   * their limit of requests that actually left; answers 0. Otherwise records nothing and answers
   * how long to wait before asking again.
   */
  depart(rules: Rule[]): number {
    return this.departAt(rules).waitMs;
  }

  /** As `depart`; answers the moment recorded too (`at`, when it did not have to wait). */
  departAt(rules: Rule[]): { waitMs: number; at: number } {
    const now = this.now();
    const counted = rules.map(({ key, windows }) => this.recent(this.departed, key, windows, now));
    const at = Math.max(now, ...rules.map(({ windows }, index) => earliest(counted[index]!, windows, now)));
    if (at > now) return { waitMs: at - now, at };
    for (const times of counted) times.push(now);
    return { waitMs: 0, at: now };
  }

  /** The key's moments still inside its longest window (older ones forgotten). */
  private recent(store: Map<string, number[]>, key: string, windows: Window[], now: number): number[] {
    const times = store.get(key) ?? store.set(key, []).get(key)!;
    const longest = Math.max(...windows.map((window) => window.windowMs));
    while (times.length > 0 && times[0]! <= now - longest) times.shift();
    return times;
  }
}

/** Removes one `value` from `times`; answers whether it was there. */
function remove(times: number[] | undefined, value: number): boolean {
  const index = times?.indexOf(value) ?? -1;
  if (index >= 0) times!.splice(index, 1);
  return index >= 0;
}

/**
 * Whether one more request at `at` keeps every window within its limit, counting the moments
 * already reserved before and after it: each window's span that holds `at` (those ending at `at`
 * and at each moment reserved within a window after it) must hold fewer than `limit`.
 */
function fits(times: number[], windows: Window[], at: number): boolean {
  return windows.every(({ limit, windowMs }) =>
    [at, ...times.filter((time) => time >= at && time < at + windowMs)].every((end) => times.filter((time) => time > end - windowMs && time <= end).length < limit),
  );
}

/** The earliest moment from `from` on at which one more request fits under every window, given `times` (in order). */
function earliest(times: number[], windows: Window[], from: number): number {
  let at = from;
  for (const { limit, windowMs } of windows) {
    // It must come at least windowMs after the limit-th most recent one.
    const inWindow = times.filter((time) => time > at - windowMs);
    if (inWindow.length >= limit) at = Math.max(at, inWindow[inWindow.length - limit]! + windowMs);
  }
  return at;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 30_000 };

const RETRYABLE_STATUS = new Set([412, 429, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'SEND_TIMEOUT']);

export class SendError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

interface HttpishError {
  statusCode?: number;
  status?: number;
  code?: string;
  response?: { status?: number; headers?: { get?(name: string): string | undefined | null } | Record<string, string> };
  message?: string;
}

function statusOf(error: HttpishError): number | undefined {
  return error.statusCode ?? error.response?.status ?? error.status;
}

/** Retry-After in milliseconds (seconds or an HTTP date), when the error carries one. */
export function retryAfterMs(error: HttpishError, now = Date.now()): number | undefined {
  const headers = error.response?.headers;
  const value = headers && (typeof headers.get === 'function' ? headers.get('retry-after') : (headers as Record<string, string>)['retry-after']);
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isRetryable(error: HttpishError): boolean {
  const status = statusOf(error);
  return (status !== undefined && RETRYABLE_STATUS.has(status)) || (error.code !== undefined && RETRYABLE_CODES.has(error.code));
}

/** What posting needs of the sender (the poster does not know botbuilder). */
export interface CardSender {
  sendCard(reference: ConversationRef, card: object): Promise<string | undefined>;
  updateCard(reference: ConversationRef, activityId: string, card: object): Promise<void>;
}

export interface SenderOptions {
  appId: string;
  logger: Logger;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The clock the rate limits are kept by (tests pass their own). */
  now?: () => number;
  /** The app's budget of requests, shared by every replica (by default this process's own). */
  budget?: AppBudget;
}

/** The Bot Framework's token audience for calls to the Bot Connector. */
const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChannelSender implements CardSender {
  private readonly limiter: RateLimiter;
  private readonly budget: AppBudget;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly options: SenderOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.limiter = new RateLimiter(options.now ?? (() => Date.now()));
    this.budget = options.budget ?? new LocalAppBudget(this.limiter);
  }

  /** Posts into the referenced conversation (a channel reference starts a new thread); answers the new activity's id. */
  async send(reference: ConversationRef, activity: Partial<Activity>): Promise<string | undefined> {
    return this.withRetry(reference, (context) => context.sendActivity(activity).then((response) => response?.id));
  }

  /** Posts an Adaptive Card; answers the new activity's id. */
  sendCard(reference: ConversationRef, card: object): Promise<string | undefined> {
    return this.send(reference, MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  /** Posts a line of text (a reminder); answers the new activity's id. */
  sendText(reference: ConversationRef, text: string): Promise<string | undefined> {
    return this.send(reference, MessageFactory.text(text));
  }

  /**
   * Opens the bot's personal chat with a person of the team `via` is in (Teams answers the existing
   * one when there is one) and posts there, under the same limits and retries as any post.
   */
  async sendPersonal(via: ConversationRef, teamsUserId: string, text: string): Promise<string | undefined> {
    const tenantId = via.conversation?.tenantId;
    let reference: ConversationRef | undefined;
    const appSlot = await this.budget.reserve();
    await this.sleep(appSlot.waitMs);
    const departedAt = await this.departWhenFree([APP_RULE]);
    let failure: unknown;
    try {
      await this.adapter.createConversationAsync(
        this.options.appId,
        'msteams',
        via.serviceUrl!,
        BOT_FRAMEWORK_AUDIENCE,
        { isGroup: false, bot: via.bot, members: [{ id: teamsUserId, name: '' }], tenantId, channelData: { tenant: { id: tenantId } } } as never,
        async (context) => {
          try {
            // A new message in the chat, not a reply to the conversation's creation.
            const { activityId: _created, ...fresh } = TurnContext.getConversationReference(context.activity);
            reference = fresh as ConversationRef;
          } catch (error) {
            failure = error;
          }
        },
      );
    } finally {
      await this.answered([APP_RULE], departedAt, appSlot);
    }
    if (failure || !reference?.conversation?.id) throw new SendError(`could not open a personal chat: ${(failure as Error | undefined)?.message ?? 'no conversation'}`, undefined, 1);
    return this.send(reference, MessageFactory.text(text));
  }

  /** Replaces a posted card in place (every user sees the new one). */
  updateCard(reference: ConversationRef, activityId: string, card: object): Promise<void> {
    return this.update(reference, activityId, MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  /** Replaces a posted activity in place. */
  async update(reference: ConversationRef, activityId: string, activity: Partial<Activity>): Promise<void> {
    await this.withRetry(reference, (context) => context.updateActivity({ ...activity, id: activityId }).then(() => undefined));
  }

  private async withRetry<T>(reference: ConversationRef, work: (context: TurnContext) => Promise<T>): Promise<T> {
    const thread = reference.conversation?.id ?? 'unknown';
    const rules: Rule[] = [
      { key: `thread:${thread}`, windows: THREAD_LIMITS },
      APP_RULE,
    ];
    for (let attempt = 1; ; attempt++) {
      const threadSlot = this.limiter.reserveSlot(rules[0]!.key, THREAD_LIMITS);
      const appSlot = await this.budget.reserve();
      await this.sleep(Math.max(threadSlot.waitMs, appSlot.waitMs));
      const departedAt = await this.departWhenFree(rules);
      try {
        const result = await this.once(reference, work);
        await this.answered(rules, departedAt, appSlot);
        return result;
      } catch (caught) {
        const error = caught as HttpishError;
        const status = statusOf(error);
        if (status === 429) {
          // Refused, so not counted by Teams: its moments go back, or the budget would be one short
          // for the rest of the run (a 1,000-channel fan-out, exactly twenty windows, a window late).
          this.limiter.release(rules[0]!.key, threadSlot.at);
          appSlot.release?.();
          this.limiter.forgetDeparture(rules, departedAt);
        } else {
          // Any other failure may have been counted, at the latest now (a timeout, an error from Teams).
          await this.answered(rules, departedAt, appSlot);
        }
        if (!isRetryable(error) || attempt >= this.retry.maxAttempts) {
          throw new SendError(`post to ${thread} failed after ${attempt} attempt(s): ${status ?? error.code ?? ''} ${error.message ?? ''}`.trim(), status, attempt);
        }
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const delay = retryAfterMs(error) ?? backoff / 2 + (this.random() * backoff) / 2;
        this.options.logger.warn({ thread, status, code: error.code, attempt, delayMs: Math.round(delay) }, 'post failed; retrying');
        await this.sleep(delay);
      }
    }
  }

  /**
   * Counts a request from its answer, here and in the shared budget. The post itself has been
   * answered: a budget that cannot record it (the database busy) is logged, not thrown, or the
   * caller would post the card again.
   */
  private async answered(rules: Rule[], departedAt: number, appSlot: { answered?(): Promise<void> }): Promise<void> {
    this.limiter.answered(rules, departedAt);
    try {
      await appSlot.answered?.();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the shared send budget did not record an answer; its moment stays as reserved');
    }
  }

  /**
   * Waits, after the reserved moment, until the requests that actually left allow this one too.
   * The app's count is this process's own: replicas sharing a budget each check their own posts.
   */
  private async departWhenFree(rules: Rule[]): Promise<number> {
    for (;;) {
      const { waitMs, at } = this.limiter.departAt(rules);
      if (waitMs <= 0) return at;
      await this.sleep(waitMs);
    }
  }

  private async once<T>(reference: ConversationRef, work: (context: TurnContext) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${this.retry.timeoutMs} ms`), { code: 'SEND_TIMEOUT' })), this.retry.timeoutMs);
    });
    try {
      let result: T | undefined;
      let failure: unknown;
      // Caught inside the turn: otherwise the adapter's onTurnError would swallow it (and post an apology).
      const turn = this.adapter.continueConversationAsync(this.options.appId, reference as Partial<ConversationReference>, async (context) => {
        try {
          result = await work(context);
        } catch (error) {
          failure = error;
        }
      });
      await Promise.race([turn, timeout]);
      if (failure) throw failure;
      return result as T;
    } finally {
      clearTimeout(timer);
    }
  }
}
