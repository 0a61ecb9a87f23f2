import assert from 'node:assert/strict';
import { reportMissing } from '../../src/recording/service';
import { findChannel } from '../../src/store/channels';
import { postedCardsOn } from '../../src/store/postedCards';
import { auditEntries } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { COORDINATOR, executeAction, POLICE_OFFICER, startConnector, TEAM_ID, teamsActivity, teamsMessage, type ConnectorStub, postActivity } from '../support/connector';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';
import { linkTestChannel } from '../support/channels';

const NOW = at('2026-06-09T08:00:00Z'); // Tuesday 09:00 BST, after the 08:30 post time
const POLICE = '19:police@thread.tacv2';
const GENERAL = TEAM_ID;


describe('channels, agencies and the list commands through the adapter', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let clock = NOW;
  const say = (text: string, options: Parameters<typeof teamsMessage>[2] = {}) => postActivity(app.url, teamsMessage(connector.url, text, options));
  const lastReply = () => connector.calls.filter((call) => call.method === 'POST').at(-1)?.body;
  const lastText = () => lastReply()?.text as string;

  before(async () => {
    connector = await startConnector();
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId }, () => clock);
    await app.db.transaction((tx) => reportMissing(tx, report({ riskGrade: 'high', policeRef: 'POL-CH1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  /** The Police channel, seen and linked by the missing team. */
  const policeLinked = () => linkTestChannel(app.db, connector.url, POLICE, 'police');
  beforeEach(async () => {
    // Each test starts with no channel known, nothing posted and nobody refused.
    await app.db.exec('truncate posted_cards, channels, audit_log restart identity cascade');
    connector.calls.length = 0;
    clock = NOW;
    // Team rosters: nobody is found unless a test says so.
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: { error: { code: 'NotFound' } } } : { status: 201, body: { id: `reply-${connector.calls.length}` } });
  });

  it('records a channel when the bot is added to the team', async () => {
    await postActivity(app.url, teamsActivity(connector.url, 'conversationUpdate', { membersAdded: [{ id: '28:missing-huddle' }], channelData: { tenant: { id: '00000000-0000-0000-0000-0000000000001' }, team: { id: TEAM_ID }, eventType: 'teamMemberAdded' } }, { channel: POLICE }));
    const channel = await findChannel(app.db, POLICE);
    assert.equal(channel?.active, true);
    assert.equal(channel?.agency, null);
    assert.equal(channel?.reference.conversation?.id, POLICE, 'the stored reference posts a new thread, not a reply');
  });

  it('refuses to link a channel for someone outside the missing team, changing nothing and auditing the refusal', async () => {
    await say('link police', { channel: POLICE, from: POLICE_OFFICER });
    assert.match(lastText(), /Only the missing team can link a channel/);
    assert.equal((await findChannel(app.db, POLICE))?.agency, null);
    const refused = await auditEntries(app.db, { action: 'command.refused' });
    assert.equal(refused.at(-1)?.actor, POLICE_OFFICER.aadObjectId);
  });

  it('links a channel for the missing team, says what happens next, and audits it', async () => {
    await say('link police', { channel: POLICE });
    assert.match(lastText(), /linked to Police\. I'll post the daily missing list here at 08:30 on working days, showing children by initials and case reference\. Today's list is already due, so it is coming here within a minute\.$/);
    assert.equal((await findChannel(app.db, POLICE))?.agency, 'police');
    const linked = await auditEntries(app.db, { action: 'channel.linked' });
    assert.deepEqual(linked.at(-1)?.details, { channel: (await findChannel(app.db, POLICE))!.id, agency: 'police', previous: null });
  });

  it('reads commands whatever their case, as it did before the command table', async () => {
    await say('LINK Police', { channel: POLICE });
    assert.match(lastText(), /linked to Police\./);
    assert.equal((await findChannel(app.db, POLICE))?.agency, 'police');
  });

  it('asks which agency when the word is not one', async () => {
    await say('link pizza', { channel: POLICE });
    assert.match(lastText(), /Say which agency: link police \| health \| education/);
  });

  it('posts the list on demand in a linked channel with initials, and records the posted card', async () => {
    await policeLinked();
    await say('list', { channel: POLICE, from: POLICE_OFFICER });
    const card = JSON.stringify(lastReply().attachments[0].content);
    assert.match(card, /Daily missing list · Tue 9 Jun/);
    assert.match(card, /\*\*T\.E\.\*\* · TEST-0001/);
    assert.ok(!card.includes('Testy'));
    const posted = (await postedCardsOn(app.db, '2026-06-09')).filter((item) => !item.scheduled);
    assert.equal(posted.at(-1)?.displayLevel, 'initials');
    assert.ok(posted.at(-1)?.activityId?.startsWith('reply-'));
  });

  it('keeps one on-demand copy of the day’s list per channel: asking again marks the earlier copy as replaced, and a refresh updates only the newest', async () => {
    await policeLinked();
    await say('list', { channel: POLICE, from: POLICE_OFFICER });
    await say('list', { channel: POLICE, from: POLICE_OFFICER });
    const onDemand = (await postedCardsOn(app.db, '2026-06-09')).filter((item) => !item.scheduled && item.conversationId === POLICE);
    assert.equal(onDemand.length, 1, 'one copy kept up to date');
    const marked = connector.calls.filter((call) => call.method === 'PUT' && JSON.stringify(call.body).includes('Daily missing list (earlier copy)'));
    assert.equal(marked.length >= 1, true, 'the earlier copy says it is replaced');
    assert.match(JSON.stringify(marked.at(-1)!.body), /Posted again at 09:00: the up-to-date copy is further down\./);
    assert.ok(!marked.at(-1)!.path.endsWith(`/${onDemand[0]!.activityId}`), 'the newest copy is not the one marked');
    connector.calls.length = 0;
    await app.refresher.request('2026-06-09');
    await app.refresher.idle();
    const refreshed = connector.calls.filter((call) => call.method === 'PUT' && call.path.startsWith(`/v3/conversations/${POLICE}/activities/`)).map((call) => call.path.split('/').at(-1));
    assert.ok(refreshed.includes(onDemand[0]!.activityId!), 'the newest copy follows the change');
    assert.ok(!refreshed.includes(marked.at(-1)!.path.split('/').at(-1)), 'the replaced copy is left as marked');
  });

  it('posts the overdue RHIs on demand', async () => {
    await policeLinked();
    await say('overdue', { channel: POLICE, from: POLICE_OFFICER });
    assert.match(JSON.stringify(lastReply().attachments[0].content), /Return Home Interviews · Tue 9 Jun/);
  });

  it('refuses the list in an unlinked channel, and in personal chat for anyone but the missing team', async () => {
    await say('list', { channel: '19:random@thread.tacv2', from: POLICE_OFFICER });
    assert.match(lastText(), /not linked to an agency yet/);
    await say('list', { from: POLICE_OFFICER });
    assert.match(lastText(), /in a personal chat it is for the missing team only/);
    await say('list');
    assert.match(JSON.stringify(lastReply().attachments[0].content), /\*\*Testy Example\*\* · TEST-0001/, 'the missing team sees names in personal chat');
  });

  it('says nothing of today’s list when linking before the post time', async () => {
    clock = at('2026-06-09T06:00:00Z');
    await say('link police', { channel: POLICE });
    assert.match(lastText(), /on working days, showing children by initials and case reference\.$/);
  });

  it('changes the display level for the missing team only, and the copy already posted today with it', async () => {
    await policeLinked();
    await app.poster.runOnce();
    connector.calls.length = 0;
    await say('display full', { channel: POLICE, from: POLICE_OFFICER });
    assert.match(lastText(), /Only the missing team/);
    assert.equal(connector.calls.filter((call) => call.method === 'PUT').length, 0, 'a refusal changes no copy');
    await say('display full', { channel: POLICE });
    assert.equal((await findChannel(app.db, POLICE))?.displayLevel, 'full');
    assert.match(lastText(), /Cards here now show full names, today’s included\./);
    await app.refresher.idle();
    const updated = connector.calls.filter((call) => call.method === 'PUT' && call.path.startsWith(`/v3/conversations/${POLICE}/activities/`));
    assert.equal(updated.length, 1);
    assert.match(JSON.stringify(updated[0]!.body), /\*\*Testy Example\*\* · TEST-0001/, 'the posted copy shows full names now');
    await say('display initials', { channel: POLICE });
    assert.equal((await findChannel(app.db, POLICE))?.displayLevel, 'initials');
  });

  it('answers status with the agency, the display and today’s post, naming channels as people do', async () => {
    await policeLinked();
    await linkTestChannel(app.db, connector.url, GENERAL, 'education');
    await app.db.exec(`update channels set name = null where conversation_id = '${GENERAL}'`); // Teams names no General channel
    clock = at('2026-06-09T07:00:00Z');
    await say('status', { channel: POLICE });
    assert.match(lastText(), /linked to \*\*Police\*\* and shows children by initials, case reference and age/);
    assert.match(lastText(), /Linked channels: General \(Education\), police \(Police\)\./);
    assert.match(lastText(), /Today's list is due at 08:30; nothing has been posted yet\./, 'not "got through" before it was due');
    clock = NOW;
    await say('status', { channel: POLICE });
    assert.match(lastText(), /Today's list went to 0 of 2 linked channels; the rest are being posted now\./);
    await app.poster.runOnce();
    await say('status', { channel: POLICE });
    assert.match(lastText(), /Today's list was posted here/);
    assert.match(lastText(), /Today's list got through to all 2 linked channels\./);
    assert.ok(!lastText().includes(GENERAL), 'no raw ids');
  });

  it('shows the missing team a post that has not got through, and the channel its retry state', async () => {
    await policeLinked();
    await app.poster.runOnce();
    await app.db.exec(`update posted_cards set status = 'failed', attempts = 3, last_error = 'post to 19:police failed after 6 attempt(s): 503' where scheduled`);
    await say('status', { channel: POLICE });
    assert.match(lastText(), /Today's list has \*\*not got through yet\*\* \(3 attempt\(s\): post to 19:police failed after 6 attempt\(s\): 503\); I keep retrying\./);
    assert.match(lastText(), /\*\*Not delivered:\*\* police: failed, 3 attempt\(s\)/);
  });

  it('pages the list for the person who tapped More, and refuses tampered or unlinked requests', async () => {
    await policeLinked();
    await app.poster.runOnce();
    const ok = await postActivity(app.url, executeAction(connector.url, 'list.page', { kind: 'daily_list', listDate: '2026-06-09', page: 0 }, { channel: POLICE, from: POLICE_OFFICER }));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.statusCode, 200);
    assert.equal(ok.body.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(JSON.stringify(ok.body.value), /MISSING NOW \(1\)/);
    const tampered = await postActivity(app.url, executeAction(connector.url, 'list.page', { kind: 'everything', listDate: '2026-06-09', page: -1 }, { channel: POLICE }));
    assert.deepEqual([tampered.body.statusCode, tampered.body.type], [400, 'application/vnd.microsoft.error']);
    const unlinked = await postActivity(app.url, executeAction(connector.url, 'list.page', { kind: 'daily_list', listDate: '2026-06-09', page: 0 }, { channel: '19:random@thread.tacv2' }));
    assert.equal(unlinked.body.statusCode, 403);
    const unknown = await postActivity(app.url, executeAction(connector.url, 'nonsense.verb', {}, { channel: POLICE }));
    assert.equal(unknown.body.statusCode, 400);
  });

  it('never makes a member of a team with a missing-team channel the missing team', async () => {
    await policeLinked();
    await say('link missing-team', { channel: GENERAL });
    connector.respond = (call) =>
      call.method === 'GET' && call.path === `/v3/conversations/${TEAM_ID}/members/${POLICE_OFFICER.id}`
        ? { status: 200, body: { id: POLICE_OFFICER.id, name: POLICE_OFFICER.name, aadObjectId: POLICE_OFFICER.aadObjectId } }
        : call.method === 'GET'
          ? { status: 404, body: {} }
          : { status: 201, body: { id: 'x' } };
    await say('display full', { channel: POLICE, from: POLICE_OFFICER });
    assert.match(lastText(), /Only the missing team can change how children are shown/);
    assert.equal((await findChannel(app.db, POLICE))?.displayLevel, 'initials');
    assert.equal(connector.calls.filter((call) => call.method === 'GET').length, 0, 'team rosters are not consulted for roles');
  });

  it('marks a deleted channel inactive', async () => {
    await policeLinked();
    await say('status', { channel: '19:doomed@thread.tacv2' });
    await postActivity(app.url, teamsActivity(connector.url, 'conversationUpdate', { channelData: { tenant: { id: '00000000-0000-0000-0000-0000000000001' }, team: { id: TEAM_ID }, eventType: 'channelDeleted', channel: { id: '19:doomed@thread.tacv2', name: 'Doomed' } } }, { channel: GENERAL }));
    assert.equal((await findChannel(app.db, '19:doomed@thread.tacv2'))?.active, false);
    assert.equal((await findChannel(app.db, POLICE))?.active, true);
  });

  it('marks the team’s channels inactive when the bot is removed', async () => {
    await policeLinked();
    await say('status', { channel: GENERAL });
    await say('status', { channel: '19:unlinked@thread.tacv2' });
    await postActivity(app.url, teamsActivity(connector.url, 'installationUpdate', { action: 'remove', channelData: { tenant: { id: '00000000-0000-0000-0000-0000000000001' }, team: { id: TEAM_ID } } }, { channel: POLICE }));
    assert.equal((await findChannel(app.db, POLICE))?.active, false);
    assert.equal((await findChannel(app.db, GENERAL))?.active, false);
    const removed = await auditEntries(app.db, { action: 'bot.removed' });
    assert.equal(removed.at(-1)?.details?.channels, 3, 'Police, General and the unlinked channel it was mentioned in');
  });
});
