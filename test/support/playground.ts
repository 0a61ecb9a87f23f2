import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from './ports';

/** The Microsoft 365 Agents Playground and headless Debian Chromium, for end-to-end tests. */

export const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export interface Playground {
  url: string;
  stop(): Promise<void>;
}

/** Starts the Playground against a bot endpoint, with the repository's .m365agentsplayground.yml. */
export async function startPlayground(botPort: number): Promise<Playground> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve('@microsoft/m365agentsplayground/cli.js'), '-e', `http://127.0.0.1:${botPort}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'],
    {
      cwd: ROOT,
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: join(ARTIFACTS, 'playground.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The Playground did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The Playground exited with ${code}:\n${output}`)));
  });
  return {
    url: `http://localhost:${listening}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Headless Debian Chromium with the flags that work on these machines. Playwright gives every launch
 * a fresh temporary profile of its own.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens a channel in the Playground page and posts a message that @mentions the bot. */
export async function postInChannel(page: import('playwright-core').Page, channel: string, text: string): Promise<void> {
  await page.getByText(channel, { exact: true }).first().click();
  const composer = page.locator('[data-lexical-editor="true"]').first();
  await composer.waitFor();
  await composer.click();
  await page.keyboard.type('@');
  await page.getByRole('menuitem', { name: 'Missing Huddle' }).click();
  await page.keyboard.type(` ${text}`);
  await page.getByRole('button', { name: 'Post' }).click();
}

/** The card a person has open on a child: their own view of a post, which only they see. */
export const childCard = (page: import('playwright-core').Page) => page.locator('.ac-adaptiveCard').filter({ hasText: 'Only you can see this view.' }).first();

/**
 * Opens a channel and answers its daily list card (the one whose title is `title`), going back to
 * the list first if the person's own view of the post is still on a child's card.
 */
export async function openDailyList(page: import('playwright-core').Page, channel: string, title: string): Promise<import('playwright-core').Locator> {
  await page.getByText(channel, { exact: true }).first().click();
  const back = page.locator('.ac-adaptiveCard').filter({ hasText: 'Only you can see this view.' }).getByRole('button', { name: 'Back to the list' });
  if (await back.count()) await back.first().click();
  const card = page.locator('.ac-adaptiveCard').filter({ hasText: title }).first();
  await card.waitFor({ timeout: 30_000 });
  return card;
}
