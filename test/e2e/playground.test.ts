import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestApp } from '../support/app';
import { ARTIFACTS, launchChromium, startPlayground, type Playground } from '../support/playground';

describe('the bot in the Microsoft 365 Agents Playground (headless Chromium)', function () {
  this.timeout(120_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;

  before(async () => {
    app = await startTestApp({ ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000001' });
    playground = await startPlayground(app.port);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.stop();
  });

  it('answers help in personal chat with the help card, read back from the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(playground.url);
    const composer = page.locator('[data-lexical-editor="true"]').first();
    await composer.waitFor({ timeout: 30_000 });
    await composer.click();
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    // The Playground may also add the bot to the chat as the page opens: the welcome then comes with
    // a help card of its own. The answer to "help" is the card beyond the welcome's, however the two
    // interleave.
    // (An expression, not a function: tsx's helpers would not exist in the page.)
    const shown = (text: string) => `(document.body.innerText.match(/${text}/g) || []).length`;
    await page.waitForFunction(`${shown('What you can ask me')} > 0 && ${shown('What you can ask me')} === ${shown('Hello, I am Missing Huddle')} + 1`, undefined, { timeout: 30_000 });
    const card = page.locator('.ac-container').filter({ hasText: 'What you can ask me' }).last();
    const text = await card.innerText();
    assert.match(text, /Missing Huddle/);
    assert.match(text, /help\s+What I can do and how to ask\./);
    assert.match(text, /Return Home Interviews due within 72 hours/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-help.png') });
  });
});
