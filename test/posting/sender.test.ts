import assert from 'node:assert/strict';
import pino from 'pino';
import { createAdapter } from '../../src/bot/adapter';
import { APP_LIMIT, ChannelSender, LocalAppBudget, RateLimiter, retryAfterMs, SendError, THREAD_LIMITS } from '../../src/bot/sender';
import { startConnector, type ConnectorStub } from '../support/connector';

describe('rate limits', () => {
  it('lets 7 posts into a thread in a second, then makes the 8th wait for the window', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const waits = Array.from({ length: 9 }, () => limiter.reserve('thread', THREAD_LIMITS));
    assert.deepEqual(waits.slice(0, 7), [0, 0, 0, 0, 0, 0, 0]);
    assert.equal(waits[7], 1_000);
    assert.equal(waits[8], 2_000, 'the 2-second window allows 8, so the 9th waits for the first to leave it');
    now = 3_000;
    assert.equal(limiter.reserve('other-thread', THREAD_LIMITS), 0, 'threads are limited separately');
  });

  it('holds a thread to 60 posts in 30 seconds however they are spread', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const slots: number[] = [];
    for (let index = 0; index < 61; index++) {
      const wait = limiter.reserve('thread', THREAD_LIMITS);
      slots.push(now + wait);
      now += wait;
    }
    const last = slots[60]!;
    assert.ok(slots.filter((slot) => slot > last - 30_000).length <= 60, 'no 30-second window holds more than 60');
  });

  it('lets a request leave only when the requests that actually left allow it, recording nothing while it must wait', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const app = [{ key: 'app', windows: [APP_LIMIT] }];
    // Fifty planned for 0 wake 60 ms late (the event loop held up) and leave together.
    for (let index = 0; index < 50; index++) assert.equal(limiter.reserve('app', [APP_LIMIT]), 0);
    now = 60;
    for (let index = 0; index < 50; index++) assert.equal(limiter.depart(app), 0, 'fifty in the window, no more');
    now = 1_010;
    assert.equal(limiter.reserve('app', [APP_LIMIT]), 0, 'the plan gives the 51st the moment 1,010');
    assert.equal(limiter.depart(app), 60, 'but fifty left in the 1,010 ms before it: it waits until they are a window old');
    assert.equal(limiter.depart(app), 60, 'asking again before then changes nothing');
    now = 1_070;
    assert.equal(limiter.depart(app), 0);
  });

  it('counts a request from its answer: the 51st leaves a window after the first was answered, not after it left', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const app = [{ key: 'app', windows: [APP_LIMIT] }];
    assert.equal(limiter.depart(app), 0, 'the first leaves at 0');
    // It is answered 66 ms later (a new connection): Teams may have counted it as late as that.
    now = 66;
    limiter.answered(app, 0);
    now = 70;
    for (let index = 0; index < 49; index++) limiter.answered(app, limiter.departAt(app).at);
    now = 1_010;
    assert.equal(limiter.depart(app), 66, 'the 51st waits until the first is a window old from its answer (1,076), not from when it left (1,010)');
    now = 1_076;
    assert.equal(limiter.depart(app), 0);
    assert.equal(limiter.depart(app), 4, 'the 52nd waits for the forty-nine answered at 70');
  });

  it('holds a departure back until every rule allows it', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rules = [
      { key: 'thread:a', windows: THREAD_LIMITS },
      { key: 'app', windows: [APP_LIMIT] },
    ];
    for (let index = 0; index < 7; index++) assert.equal(limiter.depart(rules), 0);
    assert.equal(limiter.depart(rules), 1_000, "the thread's 8th waits a second");
    assert.equal(limiter.depart([{ key: 'thread:b', windows: THREAD_LIMITS }, rules[1]!]), 0, 'another thread goes: the app has counted 7, not 8');
  });

  it('gives back a slot whose request Teams refused, so the budget is not one short afterwards', () => {
    const limiter = new RateLimiter(() => 0);
    const slots = Array.from({ length: 100 }, () => limiter.reserveSlot('app', [APP_LIMIT]));
    assert.deepEqual([slots[49]!.at, slots[50]!.at, slots[99]!.at], [0, 1_010, 1_010], 'two windows of fifty');
    limiter.release('app', slots[50]!.at);
    assert.equal(limiter.reserve('app', [APP_LIMIT]), 1_010, "one of the second window's given back: the 101st takes its moment");
    assert.equal(limiter.reserve('app', [APP_LIMIT]), 2_020, 'and the 102nd waits for a third window');
  });

  it('fills a gap given back behind the plan as soon as it fits, and drops one that no longer does', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const slots = Array.from({ length: 75 }, () => limiter.reserveSlot('app', [APP_LIMIT]));
    assert.deepEqual([slots[49]!.at, slots[74]!.at], [0, 1_010], 'fifty now, twenty-five planned a window on');
    now = 500;
    limiter.release('app', slots[0]!.at);
    assert.equal(limiter.reserve('app', [APP_LIMIT]), 0, 'the gap in the first window is filled now, not after the twenty-five planned');

    const full = new RateLimiter(() => now);
    now = 0;
    const planned = Array.from({ length: 100 }, () => full.reserveSlot('app', [APP_LIMIT]));
    full.release('app', planned[0]!.at);
    now = 1_000;
    assert.equal(full.reserve('app', [APP_LIMIT]), 1_020, 'at 1,000 a request would make 51 in the window ending at 1,010: the gap is dropped and the slot planned after the second window (2,020)');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const headers = (value: string) => ({ response: { headers: { get: (name: string) => (name === 'retry-after' ? value : undefined) } } });
    assert.equal(retryAfterMs(headers('3')), 3_000);
    assert.equal(retryAfterMs(headers(new Date(10_000).toUTCString()), 4_000), 6_000);
    assert.equal(retryAfterMs({}), undefined);
  });
});

describe('the channel sender against a local Bot Connector', () => {
  let connector: ConnectorStub;
  let sleeps: number[];
  let sender: ChannelSender;
  const reference = () => ({ serviceUrl: connector.url, channelId: 'msteams', conversation: { id: '19:police@thread.tacv2', name: 'Police', isGroup: true, conversationType: 'channel' }, bot: { id: 'bot', name: 'Missing Huddle' } });
  const posts = () => connector.calls.filter((call) => call.method === 'POST');

  const adapter = createAdapter({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' }, pino({ level: 'silent' }));
  const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 5_000 };

  /** A sender whose rate limits keep a clock moved only by its sleeps (the first `lateMs` more: it woke late). */
  const clocked = (clock: { now: number }, lateMs = 0) =>
    new ChannelSender(adapter, {
      appId: '',
      logger: pino({ level: 'silent' }),
      retry: FAST_RETRY,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms + (sleeps.length === 1 ? lateMs : 0);
      },
      now: () => clock.now,
    });
  const channel = (index: number) => ({ ...reference(), conversation: { ...reference().conversation, id: `19:channel-${index}@thread.tacv2` } });

  beforeEach(async () => {
    connector = await startConnector();
    sleeps = [];
    sender = new ChannelSender(adapter, { appId: '', logger: pino({ level: 'silent' }), retry: FAST_RETRY, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
  });
  afterEach(async () => connector.close());

  it('posts a card as a new message in the channel and answers its activity id', async () => {
    const id = await sender.sendCard(reference(), { type: 'AdaptiveCard', version: '1.5', body: [] });
    assert.equal(id, 'activity-1');
    assert.equal(posts().length, 1);
    assert.match(posts()[0]!.path, /^\/v3\/conversations\/19:police@thread\.tacv2\/activities/);
    assert.equal(posts()[0]!.body.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  });

  it('retries 429 after the Retry-After it was given, then succeeds', async () => {
    let calls = 0;
    connector.respond = () => (++calls === 1 ? { status: 429, body: { error: { code: 'throttled' } }, headers: { 'retry-after': '2' } } : { status: 201, body: { id: 'after-429' } });
    assert.equal(await sender.sendCard(reference(), {}), 'after-429');
    assert.ok(sleeps.includes(2_000), `slept ${sleeps.join(',')}`);
  });

  for (const status of [412, 502, 503, 504]) {
    it(`retries ${status} with exponential backoff and jitter`, async () => {
      let calls = 0;
      connector.respond = () => (++calls <= 2 ? { status, body: {} } : { status: 201, body: { id: 'third-time' } });
      assert.equal(await sender.sendCard(reference(), {}), 'third-time');
      const backoffs = sleeps.filter((ms) => ms > 0);
      assert.deepEqual(backoffs, [75, 150], 'half the base doubled each time, plus half again at random 0.5');
    });
  }

  it('gives up at once on a status that retrying will not fix, saying why', async () => {
    connector.respond = () => ({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
    await assert.rejects(sender.sendCard(reference(), {}), (error: SendError) => error instanceof SendError && error.status === 403 && error.attempts === 1);
  });

  it('gives up after the last attempt and says how many it made', async () => {
    connector.respond = () => ({ status: 503, body: {} });
    await assert.rejects(sender.sendCard(reference(), {}), (error: SendError) => error.attempts === 4 && /failed after 4 attempt/.test(error.message));
    assert.equal(posts().length, 4, 'no hidden retries inside the connector client, and no apology posted into the channel');
  });

  it('waits for the rate limit rather than sending an 8th post in a second', async () => {
    // The limiter keeps this clock, which moves only by the sender's sleeps: eight posts fall inside one second.
    const held = clocked({ now: 1_000_000 });
    for (let index = 0; index < 8; index++) await held.sendCard(reference(), {});
    assert.deepEqual(sleeps, [0, 0, 0, 0, 0, 0, 0, 1_000], 'seven go at once, the eighth waits a second');
  });

  it('holds the 51st post back when the fifty before it left late, so that no second of arrivals holds 51', async () => {
    const clock = { now: 0 };
    const sentAt: number[] = [];
    connector.respond = () => (sentAt.push(clock.now), { status: 201, body: { id: `at-${clock.now}` } });
    // The first post wakes 60 ms after its moment (a busy event loop).
    const late = clocked(clock, 60);
    for (let index = 0; index < 51; index++) await late.sendCard(channel(index), {});
    assert.equal(sentAt[0], 60, 'the first (and the 49 after it) left late');
    assert.equal(sentAt[50], 1_070, 'the 51st left a full window after the first actually did, not after its planned moment');
    assert.deepEqual(sleeps.slice(50), [950, 60], 'it waited for its planned moment, then for the late one');
  });

  it('holds the 51st post back until a window after the first was answered, when the first arrived late', async () => {
    const clock = { now: 0 };
    const arrivedAt: number[] = [];
    connector.respond = () => {
      // The first arrives 60 ms after it left and is answered at 66 (new connections); the rest at once.
      const first = arrivedAt.length === 0;
      arrivedAt.push(clock.now + (first ? 60 : 0));
      if (first) clock.now += 66;
      return { status: 201, body: { id: `at-${clock.now}` } };
    };
    const sender = clocked(clock);
    for (let index = 0; index < 51; index++) await sender.sendCard(channel(index), {});
    assert.equal(arrivedAt[50]! - arrivedAt[0]!, 1_016, 'the 51st arrived a second after the first did (and the margin), so Teams counts no 51 in a second');
  });

  it('answers a delivered post once even when the shared budget cannot record its answer, and says so in the log', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const budget = { reserve: async () => ({ waitMs: 0, answered: () => Promise.reject(new Error('the database is busy')) }) };
    const shared = new ChannelSender(adapter, { appId: '', logger, retry: FAST_RETRY, budget });
    assert.equal(await shared.sendCard(reference(), {}), 'activity-1');
    assert.equal(posts().length, 1, 'posted once: the card was delivered, so it is not posted again');
    assert.deepEqual(warnings, ['the shared send budget did not record an answer; its moment stays as reserved']);
  });

  it('posts a hundred cards and a retry after a 429 in two windows: the refused post does not use up a slot', async () => {
    const clock = { now: 0 };
    const accepted: number[] = [];
    connector.respond = () => {
      if (connector.calls.length === 1) return { status: 429, body: {}, headers: { 'retry-after': '0' } };
      accepted.push(clock.now);
      return { status: 201, body: { id: `at-${clock.now}` } };
    };
    const throttled = clocked(clock);
    for (let index = 0; index < 100; index++) await throttled.sendCard(channel(index), {});
    assert.equal(connector.calls.length, 101, 'the first went twice');
    assert.equal(accepted.filter((at) => at === 0).length, 50, 'fifty accepted in the first window, the retry among them');
    assert.equal(accepted.at(-1), 1_010, 'the hundredth in the second window, not a third');
  });

  it('keeps the app to 50 requests in any second: the 51st waits for the first to leave that window', async () => {
    const budget = new LocalAppBudget(new RateLimiter(() => 0));
    const waits: number[] = [];
    for (let index = 0; index < 51; index++) waits.push((await budget.reserve()).waitMs);
    assert.deepEqual(new Set(waits.slice(0, 50)), new Set([0]));
    assert.equal(waits[50], APP_LIMIT.windowMs);
    assert.equal(APP_LIMIT.windowMs, 1_010, 'a second, and a margin for the clocks rounding to the millisecond (arrivals are counted from the answers)');
  });
});
