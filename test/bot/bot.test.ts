import assert from 'node:assert/strict';
import { auditEntries } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { COORDINATOR, startConnector, teamsActivity, teamsMessage, type ConnectorStub, postActivity } from '../support/connector';

const send = async (appUrl: string, activity: object) => (await postActivity(appUrl, activity)).status;

const replies = (connector: ConnectorStub) => connector.calls.filter((call) => call.method === 'POST' && /\/v3\/conversations\/.+\/activities/.test(call.path));

describe('the bot through the adapter', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  before(async () => {
    connector = await startConnector();
    app = await startTestApp({ ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000001' });
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  beforeEach(() => {
    connector.calls.length = 0;
  });

  it('answers help in personal chat with an Adaptive Card listing the commands', async () => {
    assert.equal(await send(app.url, teamsMessage(connector.url, 'help')), 200);
    const [reply] = replies(connector);
    assert.ok(reply, 'a reply was posted to the connector');
    assert.equal(reply.path, '/v3/conversations/a:personal-chat/activities/' + reply.body.replyToId);
    const card = reply.body.attachments[0];
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.content.version, '1.5');
    const text = JSON.stringify(card.content);
    assert.match(text, /What you can ask me/);
    assert.match(text, /"title":"help"/);
    assert.match(text, /Type a command here/);
  });

  /** Teams adds the bot to a person's chat when they install the app. */
  const installed = (url: string, from = COORDINATOR) => teamsActivity(connector.url, 'conversationUpdate', { membersAdded: [{ id: '28:missing-huddle' }] }, { from });

  it('welcomes a person who installs it, and tells the first one how to give themselves the missing team role', async () => {
    assert.equal(await send(app.url, installed(connector.url)), 200);
    const [hello, help] = replies(connector);
    assert.match(hello!.body.text, /^Hello, I am \*\*Missing Huddle\*\*\. Every working morning I post the list of children missing/);
    assert.match(hello!.body.text, /You hold no role here yet, which is right for most agency staff/);
    assert.match(hello!.body.text, new RegExp(`Nobody holds the missing team role yet\\. Put your Entra object id \\(${COORDINATOR.aadObjectId}\\) in MISSING_TEAM_USER_IDS`));
    assert.match(JSON.stringify(help!.body.attachments[0].content), /What you can ask me/);
  });

  it('welcomes the missing team with the roles they hold, and no setup advice', async () => {
    const configured = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId });
    try {
      await send(configured.url, installed(connector.url));
      const text = replies(connector)[0]!.body.text as string;
      assert.match(text, /You hold: the missing team\. Type help to see what that lets you do\./);
      assert.ok(!text.includes('MISSING_TEAM_USER_IDS'));
    } finally {
      await configured.stop();
    }
  });

  it('answers help in a channel when mentioned, saying to mention it there', async () => {
    await send(app.url, teamsMessage(connector.url, ' Help ', { channel: '19:police@thread.tacv2' }));
    const [reply] = replies(connector);
    assert.match(reply!.path, /^\/v3\/conversations\/19:police@thread\.tacv2;messageid=1\/activities/);
    assert.match(JSON.stringify(reply!.body.attachments[0].content), /In a channel, mention me first/);
  });

  it('answers an unknown command without repeating the words back', async () => {
    await send(app.url, teamsMessage(connector.url, 'where is Ada Sample'));
    const [reply] = replies(connector);
    assert.match(reply!.body.text, /I don't know that command\. Try one of: help/);
    assert.ok(!reply!.body.text.includes('Ada'));
  });

  it('refuses an activity from a tenant that is not allowed: no reply, and an audit record', async () => {
    await send(app.url, teamsMessage(connector.url, 'help', { tenant: 'ffffffff-0000-0000-0000-000000000000' }));
    assert.equal(replies(connector).length, 0);
    const refused = await auditEntries(app.db, { action: 'tenant.refused' });
    assert.equal(refused.at(-1)?.details?.tenant, 'ffffffff-0000-0000-0000-000000000000');
  });
});
