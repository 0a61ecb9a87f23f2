import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp } from '../support/app';
import { at } from '../support/fixtures';
import { ARTIFACTS, launchChromium, postInChannel, startPlayground, type Playground } from '../support/playground';

// A working day after the post time, so the scheduler's run is due; the demo data is dated from it.
const TUESDAY_0910 = at('2026-11-24T09:10:00Z');

describe('the daily list in two Playground channels, acknowledged and added to (headless Chromium)', function () {
  this.timeout(180_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  const openChannel = async (name: string): Promise<Locator> => {
    await page.getByText(name, { exact: true }).first().click();
    const card = page.locator('.ac-adaptiveCard').filter({ hasText: 'Daily missing list · Tue 24 Nov' }).first();
    await card.waitFor({ timeout: 30_000 });
    return card;
  };

  before(async () => {
    // No role in the environment: the demo grants Morgan Coordinator (the Playground's user) the missing team.
    app = await startTestApp({ DEMO_DATA: 'true' }, () => TUESDAY_0910);
    playground = await startPlayground(app.port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(playground.url);
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

  it('posts the daily list into both channels, where it reads with the demo children by initials', async () => {
    const run = await app.poster.runOnce();
    assert.deepEqual([run.due, run.sent, run.failed], [true, 2, 0]);
    for (const channel of ['General', 'Police']) {
      const card = await openChannel(channel);
      const text = await card.innerText();
      assert.match(text, /4\s*missing now/);
      assert.match(text, /A\.T\.\s*· DEMO-1001 · 15 · missing\s*20 h/, 'the high-risk repeat child first');
      assert.match(text, /Stage 1 intervention meeting due/i);
      assert.match(text, /RHIs OVERDUE/);
      assert.ok(!/Testcase|Alfie/.test(text), 'initials only in an agency channel');
      await page.screenshot({ path: join(ARTIFACTS, `playground-daily-list-${channel.toLowerCase()}.png`), fullPage: true });
      // The first page's height as the Playground draws it, recorded beside the screenshot.
      const box = await card.boundingBox();
      assert.ok(box && box.height > 100, 'the card has a height');
      writeFileSync(join(ARTIFACTS, `playground-daily-list-${channel.toLowerCase()}.json`), JSON.stringify({ heightPx: Math.round(box.height), widthPx: Math.round(box.width), buttons: await card.getByRole('button').count() }));
    }
  });

  it('acknowledges in the Police channel and shows "Police ✓" on the copy in General', async () => {
    const police = await openChannel('Police');
    await police.getByRole('button', { name: 'Acknowledge for Police' }).click();
    await police.getByText(/Police ✓ 09:10/).waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    const general = await openChannel('General');
    await general.getByText(/Police ✓ 09:10/).waitFor({ timeout: 30_000 });
    assert.match(await general.innerText(), /Education — · Police ✓ 09:10 Morgan Coordinator/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-acknowledged-general.png'), fullPage: true });
  });

  it('adds a note from General that shows on the Police copy', async () => {
    const general = await openChannel('General');
    await general.getByRole('button', { name: 'Add info' }).first().click();
    await general.getByRole('radio', { name: 'Seen' }).first().check();
    const note = general.locator('textarea').first();
    await note.waitFor({ timeout: 10_000 });
    await note.fill('Seen at the school gate at 08:40');
    await general.getByRole('button', { name: 'Add to the card' }).first().click();
    await general.getByText(/Seen at the school gate at 08:40/).first().waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    const police = await openChannel('Police');
    await police.getByText(/Seen at the school gate at 08:40/).first().waitFor({ timeout: 30_000 });
    assert.match(await police.innerText(), /Education\s+09:10 Tue 24 Nov · Morgan Coordinator · seen: Seen at the school gate at 08:40/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-note-on-police.png'), fullPage: true });
  });
});
