import assert from 'node:assert/strict';
import pino from 'pino';
import { createAdapter } from '../../src/bot/adapter';
import { ChannelSender } from '../../src/bot/sender';
import { importEpisodesCsv } from '../../src/import/importer';
import { DailyPoster } from '../../src/posting/dailyPoster';
import type { Database } from '../../src/store/db';
import { postedCardsOn } from '../../src/store/postedCards';
import { linkTestChannel } from '../support/channels';
import { startConnector, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { context } from '../support/recording';
import { MONTHLY_CSV } from '../reports/fixtures';

const silent = pino({ level: 'silent' });
const MONDAY_0930 = at('2026-06-08T08:30:00Z'); // 09:30 BST, Monday 8 June 2026
const links = { csvFor: (from: string, to: string) => `https://huddle.example.test/reports/monthly.csv?from=${from}&to=${to}`, verify: () => false };

function poster(db: Database, connector: ConnectorStub, now: Date, instance = 'test-instance', settings = SETTINGS) {
  const adapter = createAdapter({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' }, silent);
  const sender = new ChannelSender(adapter, { appId: '', logger: silent, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 } });
  return new DailyPoster({ db, sender, settings, logger: silent, now: () => now, instance, claim: { retryAfterMs: 0, staleAfterMs: 60_000 }, oversight: { listDay: 'monday', links } });
}

const threadOf = (call: ConnectorCall) => /\/v3\/conversations\/([^/]+)\/activities/.exec(call.path)?.[1];
const titleOf = (call: ConnectorCall) => ((call.body.attachments as { content: { body: { text?: string; items?: { text: string }[] }[] } }[])[0]!.content.body[0]!.text ?? (call.body.attachments as { content: { body: { items: { text: string }[] }[] } }[])[0]!.content.body[0]!.items![0]!.text);

forEachDriver('the monthly figures and the high-risk list, posted to management', (db, driver) => {
  let connector: ConnectorStub;
  const posts = () => connector.calls.filter((call) => call.method === 'POST' && call.path.includes('/activities'));
  const to = (thread: string) => posts().filter((call) => threadOf(call) === thread);

  beforeEach(async () => {
    connector = await startConnector();
    connector.respond = () => ({ status: 201, body: { id: `posted-${connector.calls.length}` } });
    for (const agency of ['police', 'management'] as const) await linkTestChannel(db(), connector.url, `19:${agency}@thread.tacv2`, agency);
    const imported = await importEpisodesCsv(db(), MONTHLY_CSV, context({ now: MONDAY_0930 }), { skipInvalid: false, timeZone: 'Europe/London' });
    assert.equal(imported.rejected, false);
  });
  afterEach(async () => connector.close());

  it('posts last month’s figures and the week’s high-risk list into the management channel only, once', async () => {
    const first = await poster(db(), connector, MONDAY_0930).runOnce();
    assert.deepEqual([first.others.monthly_report?.date, first.others.monthly_report?.sent], ['2026-05-01', 1]);
    assert.deepEqual([first.others.high_risk?.date, first.others.high_risk?.sent], ['2026-06-08', 1]);
    const management = to('19:management@thread.tacv2').map(titleOf);
    assert.ok(management.includes('Missing children: figures for May 2026'), management.join(' | '));
    assert.ok(management.includes('High-risk list: week to Mon 8 Jun'), management.join(' | '));
    assert.ok(!to('19:police@thread.tacv2').map(titleOf).some((title) => /figures|High-risk/.test(title)), 'police get the daily list only');
    const again = await poster(db(), connector, at('2026-06-12T15:00:00Z')).runOnce(); // Friday: both still due, both already sent
    assert.deepEqual([again.others.monthly_report?.sent, again.others.high_risk?.sent, again.others.high_risk?.skipped], [0, 0, 1]);
    const kinds = (await postedCardsOn(db(), '2026-05-01', ['monthly_report'])).map((post) => [post.kind, post.status]);
    assert.deepEqual(kinds, [['monthly_report', 'sent']]);
  });

  it('posts nothing to management before the post time, and the next week’s list the next Monday', async () => {
    const early = await poster(db(), connector, at('2026-06-08T07:00:00Z')).runOnce(); // 08:00 BST
    assert.equal(early.others.high_risk?.due, false);
    assert.equal(early.others.monthly_report?.due, true, 'June’s first working day (Mon 1 June) is past');
    await poster(db(), connector, MONDAY_0930).runOnce();
    const next = await poster(db(), connector, at('2026-06-15T08:30:00Z')).runOnce();
    assert.deepEqual([next.others.high_risk?.date, next.others.high_risk?.sent], ['2026-06-15', 1]);
  });

  it('waits for the working day after a bank holiday Monday', async () => {
    const holiday = { ...SETTINGS, bankHolidays: ['2026-06-08'] };
    assert.equal((await poster(db(), connector, MONDAY_0930, 'i', holiday).runOnce()).others.high_risk?.due, false);
    const tuesday = await poster(db(), connector, at('2026-06-09T07:30:00Z'), 'i', holiday).runOnce();
    assert.deepEqual([tuesday.others.high_risk?.date, tuesday.others.high_risk?.sent], ['2026-06-08', 1]);
  });

  if (driver === 'postgres') {
    it('posts each once when two instances run at the same moment against one PostgreSQL', async () => {
      const runs = await Promise.all([poster(db(), connector, MONDAY_0930, 'instance-a').runOnce(), poster(db(), connector, MONDAY_0930, 'instance-b').runOnce()]);
      assert.equal(runs[0]!.others.monthly_report!.sent + runs[1]!.others.monthly_report!.sent, 1);
      assert.equal(runs[0]!.others.high_risk!.sent + runs[1]!.others.high_risk!.sent, 1);
      const titles = to('19:management@thread.tacv2').map(titleOf);
      assert.equal(titles.filter((title) => title.startsWith('Missing children: figures')).length, 1);
      assert.equal(titles.filter((title) => title.startsWith('High-risk list')).length, 1);
    });
  }
});
