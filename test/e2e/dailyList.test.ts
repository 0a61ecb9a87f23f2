import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp } from '../support/app';
import { at } from '../support/fixtures';
import { ARTIFACTS, childCard, launchChromium, openDailyList, postInChannel, startPlayground, type Playground } from '../support/playground';

// A working day after the post time, so the scheduler's run is due; the demo data is dated from it.
const TUESDAY_0910 = at('2026-11-24T09:10:00Z');

describe('the daily list in two Playground channels, acknowledged and added to (headless Chromium)', function () {
  this.timeout(180_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  const openChannel = (name: string) => openDailyList(page, name, 'Daily missing list · Tue 24 Nov');

  before(async () => {
    // No role in the environment: the demo grants Morgan Coordinator (the Playground's user) the missing team.
    app = await startTestApp({ DEMO_DATA: 'true' }, () => TUESDAY_0910);
    playground = await startPlayground(app.port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(playground.url);
  });
  // A failed step leaves the page as it was, for the person reading the CI artifacts.
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page.screenshot({ path: join(ARTIFACTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });
  after(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.stop();
  });

  it('tells the Playground’s user the roles the demo gave them, in personal chat', async () => {
    const composer = page.locator('[data-lexical-editor="true"]').first();
    await composer.waitFor({ timeout: 30_000 });
    await composer.click();
    await page.keyboard.type('roles');
    await page.keyboard.press('Enter');
    await page.getByText(/hold missing-team \(granted in Teams\)/).first().waitFor({ timeout: 30_000 });
    await page.getByText(/Casey Chair \(granted/).first().waitFor({ timeout: 30_000 });
  });

  it('links Police and General (education) from the channels themselves', async () => {
    await postInChannel(page, 'Police', 'link police');
    await page.getByText(/linked to Police\./).first().waitFor({ timeout: 30_000 });
    await postInChannel(page, 'General', 'link education');
    await page.getByText(/linked to Education\./).first().waitFor({ timeout: 30_000 });
  });

  it('posts the daily list into both channels, one tappable entry per child, measured as the Playground draws it', async () => {
    const run = await app.poster.runOnce();
    assert.deepEqual([run.due, run.sent, run.failed], [true, 2, 0]);
    for (const channel of ['General', 'Police']) {
      const card = await openChannel(channel);
      const text = await card.innerText();
      assert.match(text, /5\s*missing now/);
      assert.match(text, /A\.T\.\s*· DEMO-1001 · 15 · missing\s*20 h/, 'the high-risk repeat child first');
      assert.match(text, /K\.I\.\s*· DEMO-1011 · 14 · missing\s*2 h\s*Risk not graded yet/, 'the ungraded child straight after');
      assert.match(text, /stage 1 intervention meeting due/i);
      assert.match(text, /Red: high risk/);
      assert.ok(!/Testcase|Alfie/.test(text), 'initials only in an agency channel');
      await page.screenshot({ path: join(ARTIFACTS, `playground-daily-list-${channel.toLowerCase()}.png`), fullPage: true });
      // The first page's height as the Playground draws it, recorded beside the screenshot.
      const box = await card.boundingBox();
      assert.ok(box && box.height > 100, 'the card has a height');
      writeFileSync(join(ARTIFACTS, `playground-daily-list-${channel.toLowerCase()}.json`), JSON.stringify({ heightPx: Math.round(box.height), widthPx: Math.round(box.width), buttons: await card.getByRole('button').count() }));
    }
  });

  it('draws every text on the list and on a refused form with contrast that passes WCAG AA (4.5:1)', async () => {
    const card = await openChannel('Police');
    const failures = await contrastFailures(card);
    assert.deepEqual(failures, []);
  });

  it('acknowledges in the Police channel and shows "Police ✓" on the copy in General', async () => {
    const police = await openChannel('Police');
    await police.getByRole('button', { name: 'Acknowledge for Police' }).click();
    await police.getByText(/Police ✓ 09:10 Morgan Coordinator/).waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    const general = await openChannel('General');
    await general.getByText(/Police ✓ 09:10/).waitFor({ timeout: 30_000 });
    assert.match(await general.innerText(), /Education — · Police ✓ 09:10 Morgan Coordinator/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-acknowledged-general.png'), fullPage: true });
  });

  it('adds a note from a child’s card in General that shows on the Police copy', async () => {
    const general = await openChannel('General');
    await general.getByRole('button', { name: 'Open the card for DEMO-1002' }).click();
    const details = childCard(page);
    await details.getByRole('button', { name: 'Add what you know' }).click();
    await details.getByRole('radio', { name: 'Seen (the child was seen)' }).check();
    await details.locator('textarea').first().fill('Seen at the school gate at 08:40');
    await details.getByRole('button', { name: 'Add to the card' }).click();
    // The tapper sees the confirmation, until the refresh of every copy brings the list back with the note on it.
    await page.getByText(/Added to the card, as Education|1 note, latest Education/).first().waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    const police = await openChannel('Police');
    await police.getByText(/Seen at the school gate at 08:40/).first().waitFor({ timeout: 30_000 });
    assert.match(await police.innerText(), /1 note, latest Education Tue 09:10: Seen at the school gate at 08:40/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-note-on-police.png'), fullPage: true });
  });

  it('shows a refused return in the page, beside the time, with the entries kept', async () => {
    const police = await openChannel('Police');
    await police.getByRole('button', { name: 'Open the card for DEMO-1003' }).click();
    const details = childCard(page);
    await details.getByRole('button', { name: 'Record found / returned' }).click();
    // The Playground draws Input.Time as a Fluent time picker that takes a typed time.
    const time = details.locator('input[placeholder="Select a time..."]');
    await time.fill('23:59');
    await time.press('Enter');
    await details.getByRole('button', { name: 'Record return' }).click();
    await page.getByText('The return time is in the future.').first().waitFor({ timeout: 30_000 });
    const kept = page.locator('.ac-adaptiveCard').filter({ hasText: 'The return time is in the future.' }).first().locator('input[placeholder="Select a time..."]');
    assert.equal(await kept.inputValue(), '11:59 PM', 'the entry is kept');
    const refused = page.locator('.ac-adaptiveCard').filter({ hasText: 'The return time is in the future.' }).first();
    assert.deepEqual(await contrastFailures(refused), [], 'the refusal and the form read at AA contrast too');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-refused-return.png'), fullPage: true });
  });
});

/**
 * Every visible text in a rendered card whose colour against the background it is drawn on (the
 * nearest ancestor with an opaque background) falls below WCAG AA for normal text (4.5:1).
 */
async function contrastFailures(card: Locator): Promise<string[]> {
  // tsx keeps function names with a helper the page does not have.
  await card.page().evaluate('window.__name = (f) => f');
  return card.evaluate((root) => {
    const parse = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    };
    const background = (element: Element | null): number[] => {
      for (let node = element; node; node = node.parentElement) {
        const [r, g, b, a] = parse(getComputedStyle(node).backgroundColor);
        if (a === undefined || a > 0.5) return [r!, g!, b!];
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const element = node.parentElement;
      if (!text || !element || element.offsetParent === null) continue;
      const foreground = parse(getComputedStyle(element).color);
      const [light, dark] = [luminance(foreground), luminance(background(element))].sort((a, b) => b - a);
      const ratio = (light! + 0.05) / (dark! + 0.05);
      if (ratio < 4.5) failures.push(`${ratio.toFixed(2)}:1 ${getComputedStyle(element).color} on ${background(element).join(',')}: ${text.slice(0, 60)}`);
    }
    return failures;
  });
}
