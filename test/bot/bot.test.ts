import assert from 'node:assert/strict';
import { auditEntries } from '../../src/store/repositories';
import { startTestApp } from '../support/app';
import { startConnector, teamsMessage, type ConnectorStub, postActivity } from '../support/connector';

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
