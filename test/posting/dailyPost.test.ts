import assert from 'node:assert/strict';
import pino from 'pino';
import { createAdapter } from '../../src/bot/adapter';
import { ChannelSender } from '../../src/bot/sender';
import { DailyPoster } from '../../src/posting/dailyPoster';
import { reportMissing } from '../../src/recording/service';
import * as channels from '../../src/store/channels';
import type { Database } from '../../src/store/db';
import { claimScheduledPost, postedCardsOn } from '../../src/store/postedCards';
import { startConnector, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { forEachDriver } from '../support/databases';
import { linkTestChannel } from '../support/channels';
import { at, SETTINGS } from '../support/fixtures';
import { context, report } from '../support/recording';

const TUESDAY_0900 = at('2026-06-09T08:00:00Z'); // 09:00 BST, after the 08:30 post time
const AGENCIES = ['police', 'health', 'education', 'social-care', 'youth-justice', 'missing-team'] as const;
const silent = pino({ level: 'silent' });

function poster(db: Database, connector: ConnectorStub, now: Date, instance = 'test-instance', settings = SETTINGS) {
  const adapter = createAdapter({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' }, silent);
  const sender = new ChannelSender(adapter, { appId: '', logger: silent, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 } });
  return new DailyPoster({ db, sender, settings, logger: silent, now: () => now, instance, claim: { retryAfterMs: 0, staleAfterMs: 60_000 } });
}

async function linkChannels(db: Database, serviceUrl: string, levels: Partial<Record<string, channels.DisplayLevel>> = {}) {
  for (const agency of AGENCIES) await linkTestChannel(db, serviceUrl, `19:${agency}@thread.tacv2`, agency, levels[agency]);
}

/** Waits for a condition the test itself brings about (a request reaching the connector), a tick at a time. */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const threadOf = (call: ConnectorCall) => /\/v3\/conversations\/([^/]+)\/activities/.exec(call.path)?.[1];

forEachDriver('the daily post', (db, driver) => {
  let connector: ConnectorStub;
  /** Cards the connector accepted, by conversation. */
  let delivered: Map<string, string[]>;
  let ids: number;

  beforeEach(async () => {
    connector = await startConnector();
    delivered = new Map();
    ids = 0;
    const accept = (call: ConnectorCall) => {
      const id = `posted-${++ids}`;
      delivered.set(threadOf(call)!, [...(delivered.get(threadOf(call)!) ?? []), id]);
      return { status: 201, body: { id } };
    };
    connector.respond = accept;
    (connector as ConnectorStub & { accept: typeof accept }).accept = accept;
    await linkChannels(db(), connector.url, { 'missing-team': 'full' });
    await db().transaction((tx) => reportMissing(tx, report({ riskGrade: 'high', policeRef: 'POL-D1' }), context({ now: TUESDAY_0900 })));
  });
  afterEach(async () => connector.close());

  it('posts one card into every linked channel, records its activity id, and posts nothing more on the next run', async () => {
    const first = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.deepEqual([first.due, first.sent, first.failed], [true, AGENCIES.length, 0]);
    const second = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.deepEqual([second.sent, second.skipped], [0, AGENCIES.length]);
    assert.equal(delivered.size, AGENCIES.length);
    for (const copies of delivered.values()) assert.equal(copies.length, 1);
    const posts = await postedCardsOn(db(), '2026-06-09');
    assert.deepEqual(posts.map((post) => post.status), AGENCIES.map(() => 'sent'));
    assert.deepEqual(new Set(posts.map((post) => post.activityId)), new Set([...delivered.values()].flat()));
  });

  it('gets exactly one card to every channel through 429s and 500s, retrying what failed on a later run', async () => {
    const accept = (connector as ConnectorStub & { accept: (call: ConnectorCall) => { status: number; body: unknown } }).accept;
    const seen = new Map<string, number>();
    connector.respond = (call) => {
      const thread = threadOf(call)!;
      const attempt = (seen.get(thread) ?? 0) + 1;
      seen.set(thread, attempt);
      if (attempt === 1) return { status: 429, body: {}, headers: { 'retry-after': '0' } }; // every channel throttled once
      if (attempt === 2 && (thread.startsWith('19:health') || thread.startsWith('19:education'))) return { status: 500, body: {} }; // not retried now
      return accept(call);
    };
    const first = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.deepEqual([first.sent, first.failed], [AGENCIES.length - 2, 2]);
    const failed = (await postedCardsOn(db(), '2026-06-09')).filter((post) => post.status === 'failed');
    assert.deepEqual(failed.map((post) => post.conversationId).sort(), ['19:education@thread.tacv2', '19:health@thread.tacv2']);
    assert.match(failed[0]!.lastError!, /500/);
    const second = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.deepEqual([second.sent, second.failed], [2, 0]);
    assert.equal(delivered.size, AGENCIES.length, 'every channel has its card');
    for (const [thread, copies] of delivered) assert.equal(copies.length, 1, `${thread} got ${copies.length} cards`);
  });

  it('shows each channel its own display level: initials by default, names only where allowed', async () => {
    await poster(db(), connector, TUESDAY_0900).runOnce();
    const cardIn = (agency: string) => JSON.stringify(connector.calls.find((call) => threadOf(call) === `19:${agency}@thread.tacv2`)!.body.attachments[0].content);
    assert.ok(!cardIn('police').includes('Testy'), 'no names in an initials channel');
    assert.match(cardIn('police'), /\*\*T\.E\.\*\* · TEST-0001/);
    assert.match(cardIn('missing-team'), /\*\*Testy Example\*\* · TEST-0001/);
  });

  it('posts nothing before the post time, at weekends or on a bank holiday, nor into unlinked or inactive channels', async () => {
    assert.equal((await poster(db(), connector, at('2026-06-09T07:29:00Z')).runOnce()).due, false); // 08:29 BST
    assert.equal((await poster(db(), connector, at('2026-06-13T09:00:00Z')).runOnce()).due, false); // Saturday
    const holiday = poster(db(), connector, TUESDAY_0900, 'test-instance', { ...SETTINGS, bankHolidays: ['2026-06-09'] });
    assert.equal((await holiday.runOnce()).due, false);
    const police = (await channels.findChannel(db(), '19:police@thread.tacv2'))!;
    await channels.setChannelAgency(db(), police.id, null);
    await channels.deactivateChannels(db(), { conversationId: '19:health@thread.tacv2' });
    const run = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.equal(run.sent, AGENCIES.length - 2);
    assert.ok(!delivered.has('19:police@thread.tacv2') && !delivered.has('19:health@thread.tacv2'));
  });

  it('takes over a post claimed by an instance that died before sending, but not one claimed moments ago', async () => {
    const police = (await channels.findChannel(db(), '19:police@thread.tacv2'))!;
    const health = (await channels.findChannel(db(), '19:health@thread.tacv2'))!;
    const policy = { instance: 'dead-instance', staleAfterMs: 60_000, retryAfterMs: 0, maxAttempts: 30 };
    await claimScheduledPost(db(), police, 'daily_list', '2026-06-09', { ...policy, now: new Date(TUESDAY_0900.getTime() - 5 * 60_000) }); // died 5 minutes ago
    await claimScheduledPost(db(), health, 'daily_list', '2026-06-09', { ...policy, now: new Date(TUESDAY_0900.getTime() - 10_000) }); // still working
    const run = await poster(db(), connector, TUESDAY_0900).runOnce();
    assert.equal(run.sent, AGENCIES.length - 1);
    assert.ok(delivered.has('19:police@thread.tacv2'), 'the dead instance’s post was taken over');
    assert.ok(!delivered.has('19:health@thread.tacv2'), 'a live claim is left to its owner');
  });

  it('runs once more when asked during a run, so a channel linked meanwhile gets its list without waiting a round', async () => {
    const accept = (connector as ConnectorStub & { accept: (call: ConnectorCall) => { status: number; body: unknown } }).accept;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    connector.respond = (call) => ({ ...accept(call), until: held });
    const instance = poster(db(), connector, TUESDAY_0900);
    const first = instance.runOnce();
    // The run is under way (its first send is held) when a channel is linked and the poster asked again.
    await waitUntil(() => connector.calls.length > 0);
    await linkTestChannel(db(), connector.url, '19:late@thread.tacv2', 'police');
    const second = instance.runOnce();
    const third = instance.runOnce();
    assert.equal(second, third, 'calls during a run share the one after it');
    release();
    assert.equal((await first).sent, AGENCIES.length);
    const after = await second;
    assert.deepEqual([after.sent, after.skipped], [1, AGENCIES.length]);
    assert.ok(delivered.has('19:late@thread.tacv2'));
  });

  if (driver === 'postgres') {
    it('posts once per channel when two instances run at the same moment against one PostgreSQL', async () => {
      const runs = await Promise.all([poster(db(), connector, TUESDAY_0900, 'instance-a').runOnce(), poster(db(), connector, TUESDAY_0900, 'instance-b').runOnce()]);
      assert.equal(runs[0]!.sent + runs[1]!.sent, AGENCIES.length);
      for (const [thread, copies] of delivered) assert.equal(copies.length, 1, `${thread} got ${copies.length} cards`);
      assert.equal(delivered.size, AGENCIES.length);
    });
  }
});
