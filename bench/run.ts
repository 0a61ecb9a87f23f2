/**
 * npm run bench: how the daily list and its card actions scale, as ratios against baselines measured
 * in the same run (these machines are shared and noisy: absolute times mean little).
 *
 *   list.page invoke, 300 children ÷ GET /healthz      — an invoke's cost against a bare round trip
 *   child.note invoke, 300 children ÷ GET /healthz     — the same for a write (copies refresh after)
 *   buildDailyList + one card page, 300 ÷ 30 children  — how the pure work scales with the list
 *   heap growth rendering all 30 pages of 300 children
 *   one daily-post send to the local connector: the window in which a crash leaves a post unconfirmed
 *
 * Everything runs on loopback against an in-process PGlite and a local connector; nothing is kept.
 */
import { median } from './median';
import { seedMissing } from './seed';
import { subHours } from 'date-fns';
import { startTestApp } from '../test/support/app';
import { refusalsShown } from '../test/support/cards';
import { linkTestChannel } from '../test/support/channels';
import { executeAction, POLICE_OFFICER, postActivity, startConnector } from '../test/support/connector';
import { aChild, anEpisode, SETTINGS } from '../test/support/fixtures';
import { buildDailyList } from '../src/domain/dailyList';
import { renderListCard } from '../src/cards/dailyListCard';
import { findChannel } from '../src/store/channels';
import { keepPrinted } from './results';

const NOW = new Date('2026-06-09T08:00:00Z');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);


function pureList(count: number) {
  const children = [];
  const episodes = [];
  for (let index = 0; index < count; index++) {
    const child = aChild({ ref: `BENCH-${index}` });
    children.push(child);
    episodes.push(anEpisode(child, { reportedAt: subHours(NOW, 1 + (index % 100)), riskGrade: index % 5 === 0 ? 'high' : 'medium' }));
  }
  return { children, episodes, returnInterviews: [] };
}

const cardOptions = { kind: 'daily_list' as const, page: 0, displayLevel: 'initials' as const, timeZone: 'Europe/London', agencies: [], acknowledgements: [], notes: [], audience: { agency: 'police' as const } };

async function main() {
  keepPrinted('bench');
  const connector = await startConnector();
  const app = await startTestApp({ LOG_LEVEL: 'silent' }, () => NOW);
  try {
    await seedMissing(app.db, NOW);
    const police = '19:bench-police@thread.tacv2';
    await linkTestChannel(app.db, connector.url, police, 'police');
    await app.poster.runOnce(); // the card the invokes act on
    const target = { kind: 'daily_list', listDate: '2026-06-09', page: 0 };
    // Measure answers, not refusals: both invokes must succeed before they are timed.
    for (const [verb, data] of [['list.page', target], ['child.note', { ...target, childRef: 'BENCH-0', noteCategory: 'seen', noteText: 'Bench note', noteRestricted: 'false' }]] as const) {
      const answer = await postActivity(app.url, executeAction(connector.url, verb, data, { channel: police, from: POLICE_OFFICER }));
      // A refused form answers 200 with itself and its reasons: that is a refusal too.
      if (answer.body?.statusCode !== 200 || refusalsShown(answer.body.value).length > 0) throw new Error(`${verb} was refused (${JSON.stringify(answer.body).slice(0, 200)}): the bench would time a refusal`);
    }

    const healthz = await median(ROUNDS, () => fetch(`${app.url}/healthz`).then((response) => response.text()));
    const page = await median(ROUNDS, () => postActivity(app.url, executeAction(connector.url, 'list.page', target, { channel: police, from: POLICE_OFFICER })));
    let note = 0;
    const write = await median(ROUNDS, () =>
      postActivity(app.url, executeAction(connector.url, 'child.note', { ...target, childRef: 'BENCH-0', noteCategory: 'seen', noteText: `Bench note ${++note}`, noteRestricted: 'false' }, { channel: police, from: POLICE_OFFICER })),
    );
    await app.refresher.idle();
    // The window in which a crash can leave a daily post unconfirmed: from the recorded start of a
    // send to Teams' answer, one sendCard (here to the local connector; real Teams adds its latency).
    // A fan-out posts into a different channel each time: a thread of its own, as here.
    const reference = (await findChannel(app.db, police))!.reference;
    let thread = 0;
    const sendWindow = await median(ROUNDS, () => app.sender.sendCard({ ...reference, conversation: { ...reference.conversation!, id: `19:bench-${++thread}@thread.tacv2` } }, { type: 'AdaptiveCard', version: '1.5', body: [] }));

    const small = pureList(30);
    const large = pureList(300);
    const pure30 = await median(ROUNDS, () => renderListCard(buildDailyList(small, '2026-06-09', NOW, SETTINGS), cardOptions));
    const pure300 = await median(ROUNDS, () => renderListCard(buildDailyList(large, '2026-06-09', NOW, SETTINGS), cardOptions));

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const list = buildDailyList(large, '2026-06-09', NOW, SETTINGS);
    const pages = Array.from({ length: 30 }, (_, index) => renderListCard(list, { ...cardOptions, page: index }));
    const heapAfter = process.memoryUsage().heapUsed;
    const largestPage = Math.max(...pages.map((card) => Buffer.byteLength(JSON.stringify(card))));

    const ratio = (value: number, base: number) => (value / base).toFixed(1);
    console.log(`rounds: ${ROUNDS} (median of each)`);
    console.log(`list.page invoke (300 children) / GET /healthz:   ${ratio(page, healthz)}x`);
    console.log(`child.note invoke (300 children) / GET /healthz:  ${ratio(write, healthz)}x`);
    console.log(`build + render one page, 300 / 30 children:       ${ratio(pure300, pure30)}x`);
    console.log(`heap growth rendering 30 pages of 300 children:   ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB; largest page ${(largestPage / 1024).toFixed(1)} KiB`);
    console.log(`unconfirmed-post window, one send on loopback:    ${sendWindow.toFixed(1)} ms (${ratio(sendWindow, healthz)}x GET /healthz; bounded by the sender's 30 s timeout per attempt)`);
    console.log(`(for orientation only, this run: healthz ${healthz.toFixed(1)} ms, list.page ${page.toFixed(1)} ms, child.note ${write.toFixed(1)} ms)`);
  } finally {
    await app.stop();
    await connector.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
