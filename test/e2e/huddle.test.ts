import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestApp } from '../support/app';
import { at } from '../support/fixtures';
import { ARTIFACTS, childCard, launchChromium, openDailyList, postInChannel, startPlayground, type Playground } from '../support/playground';

const TUESDAY_0910 = at('2026-11-24T09:10:00Z');
const LIST = 'Daily missing list · Tue 24 Nov';
const ACTION = 'Check the address on Croydon Road';

describe('the huddle in the Playground: a decision and a Police action in General, minutes to both channels, done from the Police copy (headless Chromium)', function () {
  this.timeout(180_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;
  let page: Page;
  let childRef = '';
  const card = (text: string | RegExp) => page.locator('.ac-adaptiveCard').filter({ hasText: text });

  before(async () => {
    app = await startTestApp({ DEMO_DATA: 'true' }, () => TUESDAY_0910);
    playground = await startPlayground(app.port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(playground.url);
    await page.locator('[data-lexical-editor="true"]').first().waitFor({ timeout: 30_000 });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page.screenshot({ path: join(ARTIFACTS, `failed-huddle-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });
  after(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.stop();
  });

  it('records a decision and a Police action for the first child from General, and the Police channel’s copy shows the action', async () => {
    await postInChannel(page, 'Police', 'link police');
    await page.getByText(/linked to Police\./).first().waitFor({ timeout: 30_000 });
    await postInChannel(page, 'General', 'link missing-team');
    await page.getByText(/linked to Missing team\./).first().waitFor({ timeout: 30_000 });
    await app.poster.runOnce();
    const general = await openDailyList(page, 'General', LIST);
    await general.getByRole('button', { name: 'Run the huddle' }).click();
    const agenda = card('Huddle · Tue 24 Nov · agenda').last();
    await agenda.waitFor({ timeout: 30_000 });
    await agenda.getByRole('button', { name: 'Start from the first child' }).click();
    const form = card(/Huddle · Tue 24 Nov · child 1 of \d+/).last();
    await form.waitFor({ timeout: 30_000 });
    await form.locator('textarea').first().fill('Strategy discussion today; police to check the address');
    await form.getByLabel('Action (optional)').fill(ACTION);
    await form.getByRole('radio', { name: 'Police', exact: true }).check();
    // The roster comes from the team, through the Playground's Bot Connector.
    await form.getByRole('radio', { name: 'Pat Police', exact: true }).check();
    await form.getByRole('button', { name: 'Save and next child' }).click();
    const saved = card(/✓ Saved for DEMO-\d+: decision and action/).last();
    await saved.waitFor({ timeout: 30_000 });
    childRef = /Saved for (DEMO-\d+)/.exec(await saved.innerText())![1]!;
    await page.screenshot({ path: join(ARTIFACTS, 'huddle-recorded.png'), fullPage: true });
    const [action] = await app.db.query<{ owner_agency: string; owner_name: string; what: string }>(`select owner_agency, owner_name, what from huddle_actions`);
    assert.deepEqual(action, { owner_agency: 'police', owner_name: 'Pat Police', what: ACTION });
    await app.refresher.idle();
    const police = await openDailyList(page, 'Police', LIST);
    await police.getByText(`1 action · Police: ${ACTION} by 08:30 Wed 25 Nov`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'huddle-action-on-police-copy.png'), fullPage: true });
  });

  it('posts the minutes into both channels when the huddle is closed: Police’s own action first', async () => {
    await postInChannel(page, 'General', 'minutes');
    await page.getByText(/Huddle closed\. The minutes are going out now/).first().waitFor({ timeout: 30_000 });
    await app.poster.runOnce();
    const full = card('Huddle minutes · Tue 24 Nov').first();
    await full.waitFor({ timeout: 30_000 });
    assert.match(await full.innerText(), /DECISIONS AND ACTIONS \(1 child\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'huddle-minutes-general.png'), fullPage: true });
    await page.getByText('Police', { exact: true }).first().click();
    const minutes = card('Huddle minutes · Tue 24 Nov · for Police').first();
    await minutes.waitFor({ timeout: 30_000 });
    const text = await minutes.innerText();
    assert.ok(text.indexOf("POLICE'S ACTIONS (1)") >= 0 && text.indexOf("POLICE'S ACTIONS (1)") < text.indexOf('DECISIONS'), text);
    assert.match(text, new RegExp(`${childRef}`));
    await page.screenshot({ path: join(ARTIFACTS, 'huddle-minutes-police.png'), fullPage: true });
    const posted = await app.db.query<{ n: number }>(`select count(*)::int as n from posted_cards where kind = 'minutes' and status = 'sent'`);
    assert.equal(posted[0]!.n, 2, 'once into each linked channel');
  });

  it('marks the action done from the Police copy, and the General copy follows', async () => {
    const police = await openDailyList(page, 'Police', LIST);
    await police.getByRole('button', { name: `Open the card for ${childRef}` }).click();
    const details = childCard(page);
    await details.getByRole('button', { name: /^Close: Check the address/ }).click();
    await details.getByText('Close the action').first().waitFor({ timeout: 30_000 });
    await details.getByRole('button', { name: 'Save', exact: true }).click();
    // The confirmation, or (when the copy's refresh lands first and replaces the person's view) the list saying so.
    await page.getByText(/✓ Marked done\. Every copy of the list shows it\.|1 action closed/).first().waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    const general = await openDailyList(page, 'General', LIST);
    await general.getByText('1 action closed').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'huddle-action-done-general.png'), fullPage: true });
    const [action] = await app.db.query<{ status: string }>(`select status from huddle_actions`);
    assert.equal(action!.status, 'done');
  });
});
