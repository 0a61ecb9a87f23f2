import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Bot Connector: the REST routes a bot calls to reply and post (v3 conversations), on
 * loopback. It records each request so tests can read what the bot sent.
 */
export interface ConnectorCall {
  method: string;
  path: string;
  body: any;
}

export interface ConnectorStub {
  url: string;
  calls: ConnectorCall[];
  /** Decides the answer to a call; the default accepts it with a new activity id. */
  respond: (call: ConnectorCall) => { status: number; body?: unknown; headers?: Record<string, string>; hold?: boolean; until?: Promise<void> };
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });

export async function startConnector(): Promise<ConnectorStub> {
  let counter = 0;
  const stub: ConnectorStub = {
    url: '',
    calls: [],
    respond: () => ({ status: 200, body: { id: `activity-${++counter}` } }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // requests held on purpose are cut
      }),
  };
  const server: Server = createServer(async (request, response) => {
    const text = await readBody(request);
    const call = { method: request.method ?? 'GET', path: decodeURIComponent(request.url ?? ''), body: text ? JSON.parse(text) : undefined };
    stub.calls.push(call);
    const answer = stub.respond(call);
    if (answer.hold) return; // taken in, never answered: as a sender that dies mid-send sees it
    if (answer.until) await answer.until;
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

export const TENANT = '00000000-0000-0000-0000-0000000000001';
export const BOT = { id: '28:missing-huddle', name: 'Missing Huddle' };

/** An activity as Teams sends it: personal chat by default, or a channel message with an @mention. */
export const COORDINATOR = { id: '29:user-coordinator', name: 'Morgan Coordinator', aadObjectId: '00000000-0000-0000-0000-0000000000020' };
export const POLICE_OFFICER = { id: '29:user-police', name: 'Pat Police', aadObjectId: '00000000-0000-0000-0000-0000000000021' };
export const TEAM_ID = '19:team-general@thread.tacv2';

type From = typeof COORDINATOR;

export function teamsMessage(serviceUrl: string, text: string, options: { channel?: string; tenant?: string; from?: From } = {}) {
  const tenant = options.tenant ?? TENANT;
  const inChannel = options.channel !== undefined;
  const mention = `<at>${BOT.name}</at>`;
  return {
    type: 'message',
    id: `msg-${Math.random().toString(36).slice(2)}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: options.from ?? COORDINATOR,
    recipient: BOT,
    conversation: inChannel
      ? { id: `${options.channel};messageid=1`, conversationType: 'channel', isGroup: true, tenantId: tenant }
      : { id: 'a:personal-chat', conversationType: 'personal', tenantId: tenant },
    text: inChannel ? `${mention} ${text}` : text,
    entities: inChannel ? [{ type: 'mention', text: mention, mentioned: BOT }] : [],
    channelData: { tenant: { id: tenant }, ...(inChannel ? { team: { id: TEAM_ID }, channel: { id: options.channel } } : {}) },
  };
}

/** Any other activity in the same shape: an install event, an Action.Execute invoke. */
export function teamsActivity(serviceUrl: string, type: string, extra: Record<string, unknown>, options: { channel?: string; from?: From } = {}) {
  const base = teamsMessage(serviceUrl, '', options);
  return { ...base, type, text: undefined, entities: [], ...extra };
}

export function executeAction(serviceUrl: string, verb: string, data: unknown, options: { channel?: string; from?: From } = {}) {
  return teamsActivity(serviceUrl, 'invoke', { name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } }, options);
}

/** Posts an activity to the bot's /api/messages as the Bot Connector would; answers status and JSON body. */
export async function postActivity(appUrl: string, activity: object): Promise<{ status: number; body: any }> {
  const response = await fetch(`${appUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
