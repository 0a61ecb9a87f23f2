/**
 * npm run bench:card: what the daily list card costs a phone, on the demo data as the Police channel
 * sees it at 09:10 on a Tuesday: bytes per page (the JSON Teams carries), the actions a page holds
 * (buttons plus tappable rows), and the pages. The height in pixels is measured by the Playground
 * end-to-end test (test/e2e/dailyList.test.ts writes test-artifacts/playground-daily-list-*.json).
 */
import { startTestApp } from '../test/support/app';
import { listCard } from '../src/lists/listCards';
import { keepPrinted } from './results';

const TUESDAY_0910 = new Date('2026-11-24T09:10:00Z');

/** Every Action.* and selectAction in a card, including those inside ShowCard sub-cards. */
export function countActions(node: unknown): { buttons: number; tappable: number } {
  const counts = { buttons: 0, tappable: 0 };
  const walk = (value: unknown, inSelect: boolean) => {
    if (Array.isArray(value)) return value.forEach((item) => walk(item, false));
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.type === 'string' && record.type.startsWith('Action.') && !inSelect) counts.buttons++;
    for (const [key, child] of Object.entries(record)) {
      if (key === 'selectAction') counts.tappable++;
      walk(child, key === 'selectAction');
    }
  };
  walk(node, false);
  return counts;
}

async function main() {
  keepPrinted('card');
  const app = await startTestApp({ DEMO_DATA: 'true' }, () => TUESDAY_0910);
  try {
    const audience = { agency: 'police' as const, displayLevel: 'initials' as const, private: false };
    for (let page = 0; page < 5; page++) {
      const card = await listCard(app.db, { kind: 'daily_list', date: '2026-11-24', page, audience, now: TUESDAY_0910 }, app.settings);
      const footer = JSON.stringify(card).match(/Page (\d+) of (\d+)/);
      const { buttons, tappable } = countActions(card);
      console.log(`page ${page + 1}: ${Buffer.byteLength(JSON.stringify(card))} bytes · ${buttons} buttons · ${tappable} tappable rows`);
      if (!footer || Number(footer[1]) >= Number(footer[2])) break;
    }
  } finally {
    await app.stop();
  }
}

if (require.main === module) void main();
