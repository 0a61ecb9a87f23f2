import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestApp } from '../support/app';
import { at } from '../support/fixtures';
import { ARTIFACTS, launchChromium, postInChannel, startPlayground, type Playground } from '../support/playground';

const MONDAY_0910 = at('2026-11-30T09:10:00Z'); // Monday 30 November 2026, 09:10 GMT

/**
 * The management channel's oversight cards as the Playground draws them: the month's figures (the
 * Croydon table and, where the client can, a chart) and the week's high-risk list. Screenshots in
 * test-artifacts/.
 */
describe('the monthly figures and the high-risk list in the Playground (headless Chromium)', function () {
  this.timeout(180_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  before(async () => {
    app = await startTestApp({ DEMO_DATA: 'true' }, () => MONDAY_0910);
    playground = await startPlayground(app.port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(playground.url);
    await page.locator('[data-lexical-editor="true"]').first().waitFor({ timeout: 30_000 });
    await postInChannel(page, 'General', 'link management');
    await page.getByText(/linked to Management\./).first().waitFor({ timeout: 30_000 });
    const run = await app.poster.runOnce();
    assert.deepEqual([run.others.monthly_report?.sent, run.others.high_risk?.sent], [1, 1]);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page.screenshot({ path: join(ARTIFACTS, `failed-oversight-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });
  after(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.stop();
  });

  it('shows last month’s figures with the eight months as a readable table', async () => {
    const card = page.locator('.ac-adaptiveCard').filter({ hasText: 'Missing children: figures for October 2026' }).first();
    await card.waitFor({ timeout: 30_000 });
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(ARTIFACTS, 'monthly-figures.png') });
    const text = await card.innerText();
    for (const heading of ['Children missing', 'Offered an RHI', 'Done in time %', 'The last 8 months (Mar 2026 to Oct 2026)']) assert.ok(text.includes(heading), `the card shows ${heading}`);
    // Whether this client draws the chart is recorded, not assumed: the table carries the figures either way.
    const drawn = await card.locator('canvas, svg').count();
    console.log(`      (the Playground ${drawn ? 'draws' : 'does not draw'} Chart.VerticalBar.Grouped)`);
  });

  it('shows the week’s high-risk children by initials, with what is outstanding', async () => {
    const card = page.locator('.ac-adaptiveCard').filter({ hasText: 'High-risk list: week to Mon 30 Nov' }).first();
    await card.waitFor({ timeout: 30_000 });
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(ARTIFACTS, 'high-risk-list.png') });
    const text = await card.innerText();
    assert.match(text, /DEMO-\d{4}/);
    assert.match(text, /Outstanding:/);
    assert.match(text, /Initials and case references only/);
  });
});
