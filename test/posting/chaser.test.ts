import assert from 'node:assert/strict';
import pino from 'pino';
import { createAdapter } from '../../src/bot/adapter';
import { ChannelSender } from '../../src/bot/sender';
import { actionReminderKey, Chaser } from '../../src/posting/chaser';
import { DailyPoster } from '../../src/posting/dailyPoster';
import { changeEpisode, recordReturn, reportMissing } from '../../src/recording/service';
import type { Database } from '../../src/store/db';
import { addAction, changeAction, closeHuddle, openHuddle, setDecision } from '../../src/store/huddle';
import { findChildByRef } from '../../src/store/repositories';
import { bumpListVersion } from '../../src/store/postedCards';
import { linkTestChannel } from '../support/channels';
import { startConnector, TENANT, type ConnectorCall, type ConnectorStub } from '../support/connector';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { context, report } from '../support/recording';

const silent = pino({ level: 'silent' });
const TUESDAY_0900 = at('2026-06-09T08:00:00Z');
const MISSING = '19:missing-team@thread.tacv2';
const POLICE = '19:police@thread.tacv2';
const OFFICER = { teamsId: '29:user-police', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Pat Police' };
const BY = { id: '00000000-0000-0000-0000-0000000000020', name: 'Morgan Coordinator' };
const HOURS = { dayStart: '09:00', dayEnd: '17:00' };
const settings = { ...SETTINGS, bankHolidays: ['2026-08-31'] };

function sender(connector: ConnectorStub) {
  const adapter = createAdapter({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' }, silent);
  return new ChannelSender(adapter, { appId: '', logger: silent, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 } });
}

function chaser(db: Database, connector: ConnectorStub, now: Date, instance = 'instance-a') {
  return new Chaser({ db, sender: sender(connector), settings, hours: HOURS, escalateAfterHours: 4, olaNotifyHours: 24, now: () => now, instance, logger: silent });
}

forEachDriver('chasing what is late', (db, driver) => {
  let connector: ConnectorStub;
  let childId: string;
  /** The text of every message posted, by conversation. */
  const posted = () => connector.calls.filter((call) => call.method === 'POST' && /\/activities(\/|$)/.test(call.path)).map((call) => ({ to: decodeURIComponent(call.path.split('/')[3]!), text: String(call.body?.text ?? '') }));
  const reminders = () => posted().filter((message) => message.text);
  const action = (overrides: Partial<Parameters<typeof addAction>[1]> = {}) =>
    addAction(db(), {
      childId,
      listDate: '2026-06-09',
      what: 'Check the address',
      ownerAgency: 'police',
      owner: { userId: OFFICER.aadObjectId, teamsId: OFFICER.teamsId, name: OFFICER.name, reference: { serviceUrl: connector.url, channelId: 'msteams', bot: { id: '28:missing-huddle', name: 'Missing Huddle' }, conversation: { id: POLICE, tenantId: TENANT } } },
      dueAt: at('2026-06-09T13:00:00Z'), // 14:00 BST
      by: BY,
      at: TUESDAY_0900,
      ...overrides,
    });

  beforeEach(async () => {
    connector = await startConnector();
    let ids = 0;
    connector.respond = (call: ConnectorCall) => (call.method === 'POST' && call.path === '/v3/conversations' ? { status: 201, body: { id: `a:personal-${call.body.members[0].id}` } } : { status: 201, body: { id: `activity-${++ids}` } });
    await linkTestChannel(db(), connector.url, MISSING, 'missing-team', 'full');
    await linkTestChannel(db(), connector.url, POLICE, 'police');
    await db().transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0001', riskGrade: 'high', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: TUESDAY_0900 })));
    childId = (await findChildByRef(db(), 'TEST-0001'))!.id;
    await bumpListVersion(db(), '2026-06-09');
  });
  afterEach(async () => connector.close());

  it('tells the named person in a personal chat when an action is due soon and when it is overdue, once each, by case reference and initials', async () => {
    await action();
    assert.equal((await chaser(db(), connector, at('2026-06-09T10:59:00Z')).runOnce()).sent, 0, '11:59: not yet');
    const soon = await chaser(db(), connector, at('2026-06-09T11:30:00Z')).runOnce();
    assert.equal(soon.sent, 1);
    const created = connector.calls.find((call) => call.path === '/v3/conversations')!;
    assert.deepEqual(created.body.members.map((member: { id: string }) => member.id), [OFFICER.teamsId]);
    assert.equal(created.body.tenantId, TENANT);
    const [message] = reminders();
    assert.ok(message, JSON.stringify(connector.calls));
    assert.equal(message!.to, `a:personal-${OFFICER.teamsId}`);
    assert.match(message!.text, /^⏰ Action due by 14:00 for TEST-0001 \(T\.E\.\): Check the address\. Owner: Police \(Pat Police\)\./);
    assert.ok(!message!.text.includes('Testy'), 'never the child’s name');
    assert.equal((await chaser(db(), connector, at('2026-06-09T11:45:00Z')).runOnce()).sent, 0, 'not twice for the same stage');
    await chaser(db(), connector, at('2026-06-09T13:05:00Z')).runOnce();
    assert.match(reminders().at(-1)!.text, /^⚠️ Action overdue \(was due by 14:00\)/);
    assert.equal(reminders().length, 2);
  });

  it('raises an action still open after four working hours to the missing team, and never at night', async () => {
    await action();
    await chaser(db(), connector, at('2026-06-09T13:05:00Z')).runOnce(); // overdue, to the person
    assert.equal((await chaser(db(), connector, at('2026-06-09T22:00:00Z')).runOnce()).working, false, '23:00: quiet hours');
    assert.equal((await chaser(db(), connector, at('2026-06-10T08:30:00Z')).runOnce()).sent, 0, 'Wed 09:30: 3.5 working hours late');
    assert.equal((await chaser(db(), connector, at('2026-06-10T09:00:00Z')).runOnce()).sent, 1, 'Wed 10:00: four');
    const raised = reminders().at(-1)!;
    assert.equal(raised.to, MISSING);
    assert.match(raised.text, /^🔺 Raised to the missing team: Police's action for TEST-0001 \(T\.E\.\) is still open more than 4 working hours after it was due/);
    assert.equal((await chaser(db(), connector, at('2026-06-10T12:00:00Z')).runOnce()).sent, 0, 'raised once');
  });

  it('tells the agency’s channel when no person was named, or when the personal chat cannot be opened', async () => {
    await action({ owner: null, what: 'Visit the school' });
    const other = await action({ what: 'Call the carer' });
    connector.respond = (call: ConnectorCall) => (call.path === '/v3/conversations' ? { status: 403, body: { error: { code: 'Forbidden' } } } : { status: 201, body: { id: 'x' } });
    const run = await chaser(db(), connector, at('2026-06-09T11:30:00Z')).runOnce();
    assert.deepEqual([run.sent, run.failed], [2, 0]);
    const texts = reminders().map((message) => `${message.to} ${message.text.slice(0, 60)}`);
    assert.ok(texts.some((line) => line.startsWith(POLICE) && line.includes('Visit the school')), texts.join('\n'));
    assert.ok(texts.some((line) => line.startsWith(POLICE) && line.includes('Call the carer')), 'the person could not be reached: their agency is told');
    const [row] = await db().query<{ sent_to: string }>(`select sent_to from reminders where key = $1`, [actionReminderKey(other, 'due_soon')]);
    assert.equal(row!.sent_to, 'channel');
  });

  it('chases an action moved to a later time afresh', async () => {
    const first = await action({ owner: null });
    await chaser(db(), connector, at('2026-06-09T11:30:00Z')).runOnce();
    await changeAction(db(), first.id, { what: first.what, ownerAgency: 'police', owner: null, dueAt: at('2026-06-10T13:00:00Z') });
    assert.equal((await chaser(db(), connector, at('2026-06-09T13:05:00Z')).runOnce()).sent, 0, 'not overdue: it was moved to tomorrow');
    assert.equal((await chaser(db(), connector, at('2026-06-10T11:30:00Z')).runOnce()).sent, 1, 'due soon again, for the new time');
    assert.match(reminders().at(-1)!.text, /^⏰ Action due by 14:00 for TEST-0001/);
  });

  it('counts a reminder told when one of the agency’s channels took it, and does not send it again to the others', async () => {
    await linkTestChannel(db(), connector.url, '19:police-2@thread.tacv2', 'police');
    await action({ owner: null });
    connector.respond = (call: ConnectorCall) => (call.path.includes('police-2') ? { status: 500, body: {} } : { status: 201, body: { id: 'ok' } });
    const run = await chaser(db(), connector, at('2026-06-09T11:30:00Z')).runOnce();
    assert.deepEqual([run.sent, run.failed], [1, 0]);
    const told = () => reminders().filter((message) => message.to !== '19:police-2@thread.tacv2').map((message) => message.to);
    assert.deepEqual(told(), [POLICE], 'the missing team is not told: Police was');
    assert.equal((await chaser(db(), connector, at('2026-06-09T11:31:00Z')).runOnce()).sent, 0);
    assert.deepEqual(told(), [POLICE], 'and Police only once');
  });

  it('tries again next round when nothing could take a reminder, without telling anyone twice', async () => {
    await action({ owner: null });
    connector.respond = () => ({ status: 500, body: {} });
    const failed = await chaser(db(), connector, at('2026-06-09T11:30:00Z')).runOnce();
    assert.deepEqual([failed.sent, failed.failed], [0, 1]);
    connector.respond = () => ({ status: 201, body: { id: 'ok' } });
    const retried = await chaser(db(), connector, at('2026-06-09T11:31:00Z')).runOnce();
    assert.deepEqual([retried.sent, retried.failed], [1, 0]);
    assert.equal((await chaser(db(), connector, at('2026-06-09T11:32:00Z')).runOnce()).sent, 0);
  });

  it('tells the missing team when an RHI is 24 hours from due and when it is overdue, and when a placing authority is not told', async () => {
    const { value: episode } = await db().transaction((tx) =>
      reportMissing(tx, { ...report({ childRef: 'TEST-0002', reportedAt: at('2026-06-05T10:00:00Z') }), child: { ...report().child, ref: 'TEST-0002', givenName: 'Other', familyName: 'Child', lookedAfter: true, placingAuthority: 'Elsewhere County Council' } }, context({ now: at('2026-06-05T10:00:00Z') })),
    );
    await db().transaction((tx) => recordReturn(tx, episode.id, { returnedAt: at('2026-06-06T12:00:00Z'), safeAndWellCheck: null }, context({ now: at('2026-06-06T12:00:00Z') })));
    // Returned Sat 13:00 BST: the RHI is due Tue 13:00 BST. On Monday at 14:00 it is within 24 hours.
    await bumpListVersion(db(), '2026-06-08');
    await chaser(db(), connector, at('2026-06-08T13:00:00Z')).runOnce();
    const monday = reminders().filter((message) => message.to === MISSING).map((message) => message.text);
    assert.ok(monday.some((text) => /^⏰ Return Home Interview for TEST-0002 \(O\.C\.\) is due by 13:00 Tue 9 Jun\. Owner: Elsewhere County Council\./.test(text)), monday.join('\n'));
    assert.ok(monday.some((text) => /^⚠️ Elsewhere County Council placed TEST-0002 \(O\.C\.\) here and has not been told/.test(text)), 'told nobody for more than 24 hours');
    await bumpListVersion(db(), '2026-06-09');
    await chaser(db(), connector, at('2026-06-09T12:30:00Z')).runOnce();
    assert.match(reminders().at(-1)!.text, /^⚠️ Return Home Interview for TEST-0002 \(O\.C\.\) is overdue/);
    assert.ok(reminders().every((message) => !/Other|Testy/.test(message.text)), 'case reference and initials only');
    const count = reminders().length;
    await changeEpisode(db(), episode.id, { placingAuthorityNotifiedAt: at('2026-06-09T12:00:00Z') }, context({ now: at('2026-06-09T12:40:00Z') }));
    await chaser(db(), connector, at('2026-06-09T12:45:00Z')).runOnce();
    assert.equal(reminders().length, count, 'nothing again');
  });

  it('keeps quiet at weekends and on bank holidays', async () => {
    await action({ dueAt: at('2026-08-31T10:00:00Z') });
    assert.equal((await chaser(db(), connector, at('2026-08-31T09:00:00Z')).runOnce()).working, false, 'the August bank holiday');
    await action({ dueAt: at('2026-06-13T10:00:00Z') });
    assert.equal((await chaser(db(), connector, at('2026-06-13T09:30:00Z')).runOnce()).working, false, 'Saturday');
    assert.equal(reminders().length, 0);
  });

  if (driver === 'postgres') {
    it('sends each reminder once when two instances chase at the same moment against one PostgreSQL', async () => {
      for (let n = 0; n < 10; n++) await action({ owner: null, what: `Action ${n}`, dueAt: at(`2026-06-09T12:${String(n).padStart(2, '0')}:00Z`) });
      const now = at('2026-06-09T11:30:00Z');
      const runs = await Promise.all([chaser(db(), connector, now, 'instance-a').runOnce(), chaser(db(), connector, now, 'instance-b').runOnce()]);
      assert.equal(runs[0]!.sent + runs[1]!.sent, 10);
      const texts = reminders().map((message) => message.text);
      for (let n = 0; n < 10; n++) assert.equal(texts.filter((text) => text.includes(`Action ${n}.`)).length, 1, `Action ${n}`);
    });

    it('posts the minutes once per channel when two instances post at the same moment', async () => {
      await openHuddle(db(), '2026-06-09', BY, TUESDAY_0900);
      await setDecision(db(), { childId, listDate: '2026-06-09', body: 'Strategy discussion today', by: BY, at: TUESDAY_0900 });
      await action();
      await closeHuddle(db(), '2026-06-09', BY, at('2026-06-09T08:30:00Z'));
      const poster = (instance: string) => new DailyPoster({ db: db(), sender: sender(connector), settings, logger: silent, now: () => at('2026-06-09T08:31:00Z'), instance });
      const runs = await Promise.all([poster('instance-a').runOnce(), poster('instance-b').runOnce()]);
      assert.equal((runs[0]!.others.minutes?.sent ?? 0) + (runs[1]!.others.minutes?.sent ?? 0), 2);
      const cards = connector.calls.filter((call) => call.method === 'POST' && JSON.stringify(call.body).includes('Huddle minutes'));
      assert.deepEqual(cards.map((call) => decodeURIComponent(call.path.split('/')[3]!)).sort(), [MISSING, POLICE].sort());
    });
  }
});
