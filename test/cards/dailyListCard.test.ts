import assert from 'node:assert/strict';
import { subHours } from 'date-fns';
import { PAGE_SIZE, renderListCard, whoIs, withNotice, type ListCardOptions } from '../../src/cards/dailyListCard';
import { buildDailyList } from '../../src/domain/dailyList';
import type { Child, Episode, ReturnInterview } from '../../src/domain/types';
import { cardProblems } from '../support/cards';
import { aChild, anEpisode, anRhi, at, SETTINGS } from '../support/fixtures';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST
const hoursAgo = (hours: number) => subHours(NOW, hours);
const OPTIONS: ListCardOptions = {
  kind: 'daily_list',
  page: 0,
  displayLevel: 'initials',
  timeZone: 'Europe/London',
  agencies: [
    { code: 'education', name: 'Education' },
    { code: 'police', name: 'Police' },
  ],
  acknowledgements: [{ agency: 'police', agencyName: 'Police', childId: null, userName: 'Pat Police', at: at('2026-06-09T07:42:00Z'), seen: [] }],
  notes: [],
  audience: { agency: 'police' },
};

/** A list with `count` children of each kind: missing, back since the huddle, RHI overdue. */
function listOf(count: number, lastSeen: string | null = 'Bus station') {
  const children: Child[] = [];
  const episodes: Episode[] = [];
  const rhis: ReturnInterview[] = [];
  for (let index = 0; index < count; index++) {
    const missing = aChild({ ref: `SYN-M${index}`, givenName: 'Ada', familyName: `Sample${index}` });
    const back = aChild({ ref: `SYN-B${index}`, givenName: 'Ben', familyName: `Example${index}` });
    const late = aChild({ ref: `SYN-L${index}`, givenName: 'Cy', familyName: `Demo${index}`, lookedAfter: index % 2 === 0, placingAuthority: index % 2 === 0 ? 'Example County Council' : null });
    children.push(missing, back, late);
    episodes.push(anEpisode(missing, { reportedAt: hoursAgo(2 + index), riskGrade: index % 3 === 0 ? 'high' : 'medium', lastSeen, exploitationConcerns: index % 4 === 0 ? ['cse', 'county_lines'] : [] }));
    episodes.push(anEpisode(back, { reportedAt: hoursAgo(30), returnedAt: hoursAgo(5), safeAndWellCheck: 'done' }));
    const lateEpisode = anEpisode(late, { kind: late.lookedAfter ? 'missing_from_care' : 'missing_from_home', reportedAt: hoursAgo(120), returnedAt: hoursAgo(80 + (index % 10)) });
    episodes.push(lateEpisode);
    if (index % 3 === 0) rhis.push(anRhi([lateEpisode], { offeredAt: hoursAgo(70), offeredBy: 'RHI worker', outcome: 'no_contact' }));
  }
  return buildDailyList({ children, episodes, returnInterviews: rhis }, '2026-06-09', NOW, SETTINGS);
}

const text = (card: object) => JSON.stringify(card);
const bytes = (card: object) => Buffer.byteLength(JSON.stringify(card), 'utf8');

describe('the daily list card', () => {
  it('validates with the official parser, every page, both display levels, both kinds', () => {
    const list = listOf(12);
    for (const kind of ['daily_list', 'overdue'] as const) {
      for (const displayLevel of ['initials', 'full'] as const) {
        for (let page = 0; page < 4; page++) assert.deepEqual(cardProblems(renderListCard(list, { ...OPTIONS, kind, displayLevel, page })), [], `${kind} ${displayLevel} page ${page}`);
      }
    }
    assert.deepEqual(cardProblems(renderListCard(listOf(0), OPTIONS)), []);
  });

  it('puts a notice for the person who acted below the heading, in a new card that leaves the shared one as it was', () => {
    const list = listOf(2);
    const shared = renderListCard(list, OPTIONS);
    const before = text(shared);
    const answer = withNotice(shared, '✓ Acknowledged for Police at 09:00.') as { body: { type: string; text?: string; weight?: string }[] };
    assert.equal(text(shared), before, 'the card every copy shares is not changed');
    assert.deepEqual(answer.body[1], { type: 'TextBlock', text: '✓ Acknowledged for Police at 09:00.', weight: 'Bolder', wrap: true, spacing: 'Medium' });
    assert.deepEqual([answer.body[0], ...answer.body.slice(2)], (shared as { body: unknown[] }).body, 'the rest of the card as it was');
    assert.deepEqual(renderListCard(list, { ...OPTIONS, notice: '✓ Acknowledged for Police at 09:00.' }), answer, 'the same card as one drawn with the notice');
    assert.deepEqual(cardProblems(answer), []);
    assert.ok(!before.includes('Acknowledged for Police at'), 'no notice without one');
  });

  it('says how bad today is in the header, and who has acknowledged', () => {
    const card = text(renderListCard(listOf(2), OPTIONS));
    assert.match(card, /Daily missing list · Tue 9 Jun/);
    assert.match(card, /\*\*2\*\* missing now · \*\*2\*\* back since Mon · \*\*2\*\* RHIs overdue/);
    assert.match(card, /Education — · Police ✓ 08:42 Pat Police/);
  });

  it('puts the high-risk child first, in the one red container, with who, how long and how risky on the first two lines', () => {
    const card = renderListCard(listOf(2), { ...OPTIONS, acknowledgements: [] }) as { body: { items?: { style?: string; items?: { text: string }[]; selectAction?: { verb: string; data: { childRef: string } } }[] }[] };
    const missing = card.body[1]!.items!;
    const first = missing[1]!;
    assert.equal(first.style, 'attention');
    assert.match(first.items![0]!.text, /^\*\*A\.S\.\*\* · SYN-M0 · \d+ · missing \*\*2 h\*\*$/);
    assert.match(first.items![1]!.text, /^\*\*HIGH risk\*\* · missing from home · CSE concern · County lines concern$/);
    assert.deepEqual([first.selectAction?.verb, first.selectAction?.data.childRef], ['child.details', 'SYN-M0'], 'the whole entry opens the child');
    assert.equal(missing[2]!.style, 'default', 'colour is used once: red for high risk, nothing else');
  });

  it('has no buttons on the entries: one tappable line per child, the actions on the child’s card', () => {
    const card = renderListCard(listOf(3), OPTIONS);
    const buttons = text(card).match(/"type":"Action\.\w+"/g)!.length;
    const tappable = text(card).match(/"selectAction"/g)!.length;
    assert.equal(tappable, 9, 'every child taps through');
    assert.equal(buttons - tappable, 2, 'only the card-level Acknowledge and Refresh');
  });

  it('shows an ungraded child straight after high risk, in bold', () => {
    const ungraded = aChild({ ref: 'SYN-U1' });
    const medium = aChild({ ref: 'SYN-U2' });
    const list = buildDailyList(
      { children: [ungraded, medium], episodes: [anEpisode(medium, { reportedAt: hoursAgo(9), riskGrade: 'medium' }), anEpisode(ungraded, { reportedAt: hoursAgo(1), riskGrade: null })], returnInterviews: [] },
      '2026-06-09',
      NOW,
      SETTINGS,
    );
    const card = text(renderListCard(list, OPTIONS));
    assert.ok(card.indexOf('SYN-U1') < card.indexOf('SYN-U2'), 'ungraded before medium');
    assert.match(card, /\*\*Risk not graded yet\*\* · missing from home/);
  });

  it('shows every child once, with the meeting due and the placing authority not told wherever it stands', () => {
    const repeat = aChild({ ref: 'SYN-R1', lookedAfter: true, placingAuthority: 'Example County Council' });
    const earlier = Array.from({ length: 4 }, (_, index) => anEpisode(repeat, { kind: 'missing_from_care', reportedAt: hoursAgo(300 + index * 100), returnedAt: hoursAgo(299 + index * 100) }));
    // Back three days ago, the RHI overdue, and back again since the huddle: one entry, every fact on it.
    const last = anEpisode(repeat, { kind: 'missing_from_care', reportedAt: hoursAgo(20), returnedAt: hoursAgo(10), riskGrade: 'high', exploitationConcerns: ['trafficking'] });
    const overdue = anEpisode(repeat, { kind: 'missing_from_care', reportedAt: hoursAgo(100), returnedAt: hoursAgo(80), riskGrade: 'medium' });
    const list = buildDailyList({ children: [repeat], episodes: [...earlier, overdue, last], returnInterviews: [] }, '2026-06-09', NOW, SETTINGS);
    const card = text(renderListCard(list, OPTIONS));
    assert.equal(card.match(/SYN-R1 ·/g)!.length, 1, 'once');
    assert.match(card, /\*\*HIGH risk\*\* · missing from care · placed here by Example County Council · Trafficking concern/);
    assert.match(card, /\*\*Stage 1 intervention meeting due: 6th episode in 90 days\*\*/);
    assert.match(card, /\*\*Example County Council not yet told\*\*/);
  });

  it('keeps a returned child’s concerns and meeting due, and says when its RHI is due', () => {
    const card = text(renderListCard(listOf(1), OPTIONS));
    assert.match(card, /BACK SINCE MON 08:30/);
    assert.match(card, /\*\*B\.E\.\*\* · SYN-B0 · \d+ · back Tue 04:00/);
    assert.match(card, /RHI due Fri 04:00 \(in 2 d 19 h\) · safe and well check done/);
    const overdue = text(renderListCard(listOf(1), { ...OPTIONS, kind: 'overdue' }));
    assert.match(overdue, /Return Home Interviews · Tue 9 Jun/);
    assert.match(overdue, /\*\*RHI 8 h overdue\*\* · offered Sat 11:00, no contact · Example County Council to do · \*\*Example County Council not yet told\*\*/);
  });

  it('marks a child added since an agency acknowledged as new to that agency, until it acknowledges again', () => {
    const list = listOf(1);
    const before = renderListCard(list, { ...OPTIONS, acknowledgements: [] }) as { actions: { title: string; data: { seen?: string[] } }[] };
    const seen = before.actions[0]!.data.seen!;
    assert.equal(before.actions[0]!.title, 'Acknowledge for Police');
    assert.equal(seen.length, 3, 'the acknowledgement carries every child the card showed');
    // Police acknowledged the first two; the third was added after.
    const acknowledged = [{ agency: 'police' as const, agencyName: 'Police', childId: null, userName: 'Pat Police', at: at('2026-06-09T06:51:00Z'), seen: seen.slice(0, 2) }];
    const after = renderListCard(list, { ...OPTIONS, acknowledgements: acknowledged }) as typeof before;
    const afterText = text(after);
    assert.equal(afterText.match(/new since Police acknowledged/g)!.length, 1);
    assert.match(afterText, /Police ✓ 07:51 Pat Police \(1 new since\)/);
    assert.equal(after.actions[0]!.title, 'Acknowledge 1 new for Police');
    const education = text(renderListCard(list, { ...OPTIONS, acknowledgements: acknowledged, audience: { agency: 'education' } }));
    assert.ok(!/new since/.test(education.replace(/\(1 new since\)/, '')), 'new only to the agency that acknowledged before it');
    const all = text(renderListCard(list, { ...OPTIONS, acknowledgements: [{ ...acknowledged[0]!, seen }] }));
    assert.ok(!/new since/.test(all) && !/Acknowledge/.test(all), 'nothing new once all are acknowledged');
  });

  it('shows initials, case reference and age by default and full names only at the full level', () => {
    const list = listOf(3);
    const initials = text(renderListCard(list, OPTIONS));
    assert.ok(!/Sample|Example\d|Demo\d/.test(initials), 'no family names at the initials level');
    const full = text(renderListCard(list, { ...OPTIONS, displayLevel: 'full' }));
    assert.match(full, /\*\*Ada Sample0\*\* · SYN-M0/);
    assert.equal(whoIs({ ...list.missingNow[0]!, initials: '?', fullName: null }, 'full'), '**?** · SYN-M0 · 15');
  });

  it('explains its one colour in the footer', () => {
    assert.match(text(renderListCard(listOf(1), OPTIONS)), /Red: high risk\. Bold: what is due, overdue or new to you\. Tap a child for their card\./);
  });

  it(`pages ${PAGE_SIZE} children at a time, with More and Previous that carry the page`, () => {
    const list = listOf(100); // 300 children
    const first = renderListCard(list, OPTIONS) as { actions: { title: string; verb: string; data: { page: number } }[] };
    assert.deepEqual(first.actions.map((action) => [action.title, action.data.page]), [
      ['Acknowledge 300 new for Police', 0],
      ['More (2 of 30)', 1],
      ['Refresh', 0],
    ]);
    const middle = renderListCard(list, { ...OPTIONS, page: 14 }) as typeof first;
    assert.deepEqual(middle.actions.map((action) => action.title), ['Acknowledge 300 new for Police', 'Previous', 'More (16 of 30)', 'Refresh']);
    assert.ok(middle.actions.slice(1).every((action) => action.verb === 'list.page'));
    const last = renderListCard(list, { ...OPTIONS, page: 99 });
    assert.match(text(last), /Page 30 of 30/, 'a page past the end shows the last');
    const seen = new Set<string>();
    for (let page = 0; page < 30; page++) {
      for (const match of text(renderListCard(list, { ...OPTIONS, page })).matchAll(/SYN-[MBL]\d+/g)) seen.add(match[0]);
    }
    assert.equal(seen.size, 300, 'every child appears on some page');
  });

  it('keeps every page under 40 KB with 300 children and long last-seen notes', () => {
    const list = listOf(100, 'Seen near the canal path behind the retail park, heading towards the bus interchange with two older males; '.repeat(4).slice(0, 500));
    let largest = 0;
    for (let page = 0; page < 30; page++) largest = Math.max(largest, bytes(renderListCard(list, { ...OPTIONS, page, displayLevel: 'full' })));
    assert.ok(largest < 40 * 1024, `largest page ${largest} bytes`);
  });

  it('says so plainly when there is nothing on the list', () => {
    assert.match(text(renderListCard(listOf(0), OPTIONS)), /No child is missing, back or waiting for an RHI today\./);
  });
});
