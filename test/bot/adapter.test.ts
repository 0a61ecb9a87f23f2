import assert from 'node:assert/strict';
import pino from 'pino';
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { CLIENTS_KEPT, createAdapter, keep } from '../../src/bot/adapter';

const LOCAL = { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' as const, MicrosoftAppTenantId: '' };

function message(serviceUrl: string, id: string): Activity {
  return { type: 'message', id, channelId: 'msteams', serviceUrl, conversation: { id: '19:synthetic-adapter@thread.tacv2' }, from: { id: 'synthetic-user' }, recipient: { id: 'synthetic-bot' }, text: 'help' } as Activity;
}

describe('the adapter keeps the clients botbuilder makes for each activity', () => {
  it('answers two activities from one serviceUrl with the same connector and user-token clients, and another serviceUrl with its own connector', async () => {
    const adapter = createAdapter(LOCAL, pino({ level: 'silent' }));
    const seen: { connector: unknown; tokens: unknown }[] = [];
    const logic = async (context: TurnContext) => {
      seen.push({ connector: context.turnState.get(adapter.ConnectorClientKey), tokens: context.turnState.get(adapter.UserTokenClientKey) });
    };
    await adapter.receive('', message('http://127.0.0.1:9/synthetic-a/', '1'), logic);
    await adapter.receive('', message('http://127.0.0.1:9/synthetic-a/', '2'), logic);
    await adapter.receive('', message('http://127.0.0.1:9/synthetic-b/', '3'), logic);
    assert.equal(seen.length, 3);
    assert.ok(seen[0]!.connector, 'a connector client on the turn');
    assert.equal(seen[1]!.connector, seen[0]!.connector, 'the same serviceUrl: the kept client');
    assert.notEqual(seen[2]!.connector, seen[0]!.connector, 'another serviceUrl: a client of its own');
    assert.ok(seen[0]!.tokens, 'a user-token client on the turn');
    assert.equal(seen[2]!.tokens, seen[0]!.tokens, 'one user-token client for the one bot');
  });

  it('posts proactively through one kept client per serviceUrl too', async () => {
    const adapter = createAdapter(LOCAL, pino({ level: 'silent' }));
    const reference = { channelId: 'msteams', serviceUrl: 'http://127.0.0.1:9/synthetic-c/', conversation: { id: '19:synthetic-proactive@thread.tacv2' }, bot: { id: 'synthetic-bot' } } as ConversationReference;
    const clients: unknown[] = [];
    for (let post = 0; post < 2; post++) await adapter.continueConversationAsync('', reference, async (context) => void clients.push(context.turnState.get(adapter.ConnectorClientKey)));
    assert.ok(clients[0], 'a connector client on the turn');
    assert.equal(clients[1], clients[0]);
  });

  it('keeps one promise a key, makes it once, and tries again after a failure', async () => {
    const kept = new Map<string, Promise<string>>();
    let made = 0;
    const first = keep(kept, 'a', 4, async () => `client ${++made}`);
    assert.equal(keep(kept, 'a', 4, async () => `client ${++made}`), first, 'the kept promise, not a second one');
    assert.equal(await first, 'client 1');
    assert.equal(made, 1);

    const failing = keep(kept, 'b', 4, async () => {
      throw new Error('credentials refused');
    });
    await assert.rejects(failing, /credentials refused/);
    assert.equal(kept.has('b'), false, 'a failed client is not kept');
    assert.equal(await keep(kept, 'b', 4, async () => 'client after the failure'), 'client after the failure');
  });

  it(`keeps at most its limit (${CLIENTS_KEPT} in the adapter), dropping the oldest made first`, async () => {
    const kept = new Map<string, Promise<string>>();
    const makes: string[] = [];
    const make = (key: string) => keep(kept, key, 2, async () => (makes.push(key), key));
    await make('a');
    await make('b');
    await make('c');
    assert.deepEqual([...kept.keys()], ['b', 'c'], 'the oldest dropped');
    await make('b');
    await make('a');
    assert.deepEqual(makes, ['a', 'b', 'c', 'a'], 'b was still kept; a was made again');
    assert.equal(kept.size, 2);
  });
});
