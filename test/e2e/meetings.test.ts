import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestApp } from '../support/app';
import { at } from '../support/fixtures';
import { graphEnv, startGraphFake, TEST_CREDENTIAL, type GraphFake } from '../support/graphFake';
import { ARTIFACTS, childCard, launchChromium, openDailyList, postInChannel, startPlayground, type Playground } from '../support/playground';

const TUESDAY_0910 = at('2026-11-24T09:10:00Z');
const MORGAN = '00000000-0000-0000-0000-0000000000020';

describe('a chair books a stage 1 meeting from the card in the Playground, through a Graph fake (headless Chromium)', function () {
  this.timeout(180_000);
  let graph: GraphFake;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  const openChannel = (name: string) => openDailyList(page, name, 'Daily missing list · Tue 24 Nov');
  const details = () => childCard(page);
  const say = async (text: string) => {
    await page.getByText('Personal Chat', { exact: true }).first().click();
    const composer = page.locator('[data-lexical-editor="true"]').first();
    await composer.click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  };

  before(async () => {
    graph = await startGraphFake();
    app = await startTestApp(
      { DEMO_DATA: 'true', ...graphEnv(graph), GRAPH_ORGANISER: graph.calendar.mailbox, MEETING_CONTACTS: 'police=mispers@force.example,education=dsl@school.example' },
      () => TUESDAY_0910,
      { graphCredential: TEST_CREDENTIAL },
    );
    playground = await startPlayground(app.port);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(playground.url);
    await page.locator('[data-lexical-editor="true"]').first().waitFor({ timeout: 30_000 });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page.screenshot({ path: join(ARTIFACTS, `failed-meeting-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });
  after(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.stop();
    await graph?.close();
  });

  it('posts the list with the demo’s stage 1 child due a meeting, and offers no booking to a non-chair', async () => {
    await postInChannel(page, 'Police', 'link police');
    await page.getByText(/linked to Police\./).first().waitFor({ timeout: 30_000 });
    await postInChannel(page, 'General', 'link education');
    await page.getByText(/linked to Education\./).first().waitFor({ timeout: 30_000 });
    await app.poster.runOnce();
    const general = await openChannel('General');
    assert.match(await general.innerText(), /Stage 1 intervention meeting due: 5th episode in 90 days/);
    await general.getByRole('button', { name: 'Open the card for DEMO-1001' }).click();
    await details().getByText('Stage 1 intervention meeting due').first().waitFor({ timeout: 30_000 });
    assert.equal(await details().getByRole('button', { name: 'Book meeting' }).count(), 0, 'Morgan is the missing team, not a chair');
  });

  it('books from the card once Morgan is a chair, and both copies show the time and the join link', async () => {
    await say(`grant ${MORGAN} chair`);
    await page.getByText(/now holds chair|granted/i).first().waitFor({ timeout: 30_000 });
    const general = await openChannel('General');
    await general.getByRole('button', { name: 'Open the card for DEMO-1001' }).click();
    await details().getByRole('button', { name: 'Book meeting' }).click();
    await details().getByRole('button', { name: 'Find times' }).click();
    await page.getByText('Book a meeting: choose a time').first().waitFor({ timeout: 30_000 });
    // The first free time is chosen already; the chair could pick another.
    await details().getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByText(/✓ Booked: Stage 1 intervention meeting|Stage 1 intervention meeting booked/).first().waitFor({ timeout: 30_000 });
    await app.refresher.idle();
    assert.deepEqual(graph.problems, []);
    assert.equal(graph.calendar.events.length, 1);
    assert.equal(graph.calendar.events[0]!.subject, 'Stage 1 intervention meeting: DEMO-1001');
    for (const channel of ['General', 'Police']) {
      const card = await openChannel(channel);
      await card.getByText(/Stage 1 intervention meeting booked Tue 24 Nov \d\d:\d\d/).first().waitFor({ timeout: 30_000 });
      assert.equal(await card.getByRole('link', { name: 'Join' }).first().getAttribute('href'), 'https://teams.microsoft.com/l/meetup-join/event-1');
      assert.ok(!/Stage 1 intervention meeting due/.test(await card.innerText()), 'the prompt has stopped');
      await page.screenshot({ path: join(ARTIFACTS, `playground-meeting-booked-${channel.toLowerCase()}.png`), fullPage: true });
    }
  });
});
