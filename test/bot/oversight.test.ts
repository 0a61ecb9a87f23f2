import assert from 'node:assert/strict';
import { importEpisodesCsv } from '../../src/import/importer';
import { reportMissing } from '../../src/recording/service';
import { startTestApp } from '../support/app';
import { linkTestChannel } from '../support/channels';
import { COORDINATOR, POLICE_OFFICER, postActivity, startConnector, teamsMessage, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';
import { MONTHLY_CSV } from '../reports/fixtures';

/** The oversight commands as managers use them: report (the monthly figures) and high-risk. */

const NOW = at('2026-06-08T08:30:00Z'); // Monday 09:30 BST
const MANAGER = { id: '29:user-manager', name: 'Mel Manager', aadObjectId: '00000000-0000-0000-0000-0000000000025' };
const MANAGEMENT = '19:management@thread.tacv2';
type Who = typeof COORDINATOR;

/** Every text of a card, in order, for reading what it says. */
const textsOf = (card: unknown): string[] => {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.text === 'string') out.push(record.text);
      if (typeof record.value === 'string' && typeof record.title === 'string') out.push(`${record.title}: ${record.value}`);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return out;
};

describe('the oversight commands: report and high-risk', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  const say = (text: string, from: Who, channel?: string) => postActivity(app.url, teamsMessage(connector.url, text, { channel, from }));
  const last = () => connector.calls.filter((call) => call.method === 'POST').at(-1)!.body;
  const lastCard = () => (last().attachments as { content: unknown }[] | undefined)?.[0]?.content;
  const lastRefusal = async () => (await app.db.query<{ details: { reason: string } }>(`select details from audit_log where action = 'command.refused' order by id desc limit 1`))[0]?.details.reason;

  before(async () => {
    connector = await startConnector();
    connector.respond = () => ({ status: 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId, MANAGER_USER_IDS: MANAGER.aadObjectId }, () => NOW, { scheduler: false });
    await linkTestChannel(app.db, connector.url, MANAGEMENT, 'management');
    assert.equal((await importEpisodesCsv(app.db, MONTHLY_CSV, context({ now: NOW }), { skipInvalid: false, timeZone: 'Europe/London' })).rejected, false);
    const record = (ref: string, given: string, input: Parameters<typeof report>[0], returnedAt?: Date) =>
      app.db.transaction((tx) => reportMissing(tx, { ...report(input), child: { ...report().child, ref, givenName: given, familyName: 'Synthetic' } }, context({ now: NOW }), { returnedAt }));
    await record('HR-1', 'Hana', { riskGrade: 'high', reportedAt: at('2026-06-07T20:00:00Z') }); // missing now, high
    await record('HR-2', 'Ivo', { riskGrade: 'medium', exploitationConcerns: ['cse'], reportedAt: at('2026-06-03T10:00:00Z') }, at('2026-06-03T18:00:00Z')); // back, CSE, RHI overdue
    await record('HR-3', 'Jo', { riskGrade: 'low', reportedAt: at('2026-06-04T10:00:00Z') }, at('2026-06-04T12:00:00Z')); // low: not on the list
    await record('HR-4', 'Kit', { riskGrade: 'high', reportedAt: at('2026-05-20T10:00:00Z') }, at('2026-05-21T10:00:00Z')); // high, but not this week
    await record('HR-5', 'Lee', { riskGrade: 'low', reportedAt: at('2026-05-06T08:00:00Z') }, at('2026-05-06T10:00:00Z')); // its RHI's 28 days ended this week, unanswered
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  beforeEach(() => (connector.calls.length = 0));

  it('shows a manager the week’s high-risk children in the management channel, by initials, missing now first', async () => {
    await say('high-risk', MANAGER, MANAGEMENT);
    const texts = textsOf(lastCard());
    assert.equal(texts[0], 'High-risk list: week to Mon 8 Jun');
    const children = texts.slice(0, texts.findIndex((text) => text.startsWith('RHIs no longer chased'))).filter((text) => /HR-\d/.test(text));
    assert.deepEqual(children.map((text) => /HR-\d/.exec(text)![0]), ['HR-1', 'HR-2']);
    assert.match(children[0]!, /^\*\*H\.S\.\*\* · HR-1/);
    assert.ok(!texts.join(' ').includes('Hana'), 'no names in a channel shown by initials');
    assert.ok(texts.some((text) => /^Outstanding: \*\*missing now, 12 h\*\*/.test(text)));
    assert.ok(texts.some((text) => /CSE concern/.test(text)));
    assert.ok(texts.some((text) => /^This week: reported missing Wed 3 Jun 11:00; back Wed 3 Jun 19:00\.$/.test(text)), texts.join('\n'));
    assert.ok(texts.some((text) => /^Outstanding: \*\*RHI 38 h overdue\*\*/.test(text)), texts.join('\n'));
    assert.ok(texts.includes('RHIs no longer chased: 1 came to 28 days after the return this week with no RHI done or declined. They leave the daily list and count as not done in the monthly figures.'), texts.join('\n'));
    assert.ok(texts.includes('**L.S.** · HR-5 · 15 · back Wed 6 May'), texts.join('\n'));
  });

  it('shows the missing team full names in personal chat', async () => {
    await say('high-risk', COORDINATOR);
    assert.ok(textsOf(lastCard()).some((text) => text.startsWith('**Hana Synthetic** · HR-1')));
  });

  it('refuses a police officer the high-risk list, saying who may see it', async () => {
    await say('high-risk', POLICE_OFFICER);
    assert.match(last().text, /^Only the missing team or managers can see the high-risk list\./);
    assert.equal(await lastRefusal(), 'role-not-held');
  });

  it('posts a month’s figures on demand, with the seven months before and a link to the CSV that opens', async () => {
    await say('report 2026-03', MANAGER);
    const card = lastCard() as { actions: { url: string }[] };
    const texts = textsOf(card);
    assert.equal(texts[0], 'Missing children: figures for March 2026');
    assert.ok(texts.includes('Children missing: 4'), texts.join('\n'));
    assert.ok(texts.includes('RHIs done within 72 hours: 75.00%'));
    assert.ok(texts.includes('The last 8 months (Aug 2025 to Mar 2026)'), texts.join('\n'));
    assert.deepEqual(texts.filter((text) => /^[A-Z][a-z]{2}$/.test(text)).slice(-8), ['Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'Jan', 'Feb', 'Mar'], 'eight months in the table');
    const csv = await fetch(card.actions[0]!.url);
    assert.equal(csv.status, 200);
    assert.match(await csv.text(), /\r\n2026-03,4,4,3,5,4,100\.00,80\.00,50\.00,75\.00,1,1\r\n$/);
    const forged = await fetch(card.actions[0]!.url.replace('to=2026-03', 'to=2026-04'));
    assert.equal(forged.status, 404, 'the signature covers the months');
  });

  it('posts last month’s figures when no month is given, and refuses a month to come, saying how to ask', async () => {
    await say('report', MANAGER, MANAGEMENT);
    assert.equal(textsOf(lastCard())[0], 'Missing children: figures for May 2026');
    await say('report 2026-07', MANAGER);
    assert.match(last().text, /^Say which month as YYYY-MM, up to this month: report 2026-05/);
  });

  it('refuses the figures to someone who is neither a manager nor the missing team', async () => {
    await say('report', POLICE_OFFICER);
    assert.match(last().text, /^Only the missing team or managers can see the monthly figures\./);
    assert.equal(await lastRefusal(), 'role-not-held');
  });
});
