import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenCredential } from '@azure/identity';

/**
 * A local Microsoft Graph for the calls the bot makes, on loopback. It checks each request's shape
 * as Graph documents it and answers 400 (recording the problem) when it is wrong, so a test fails
 * for a malformed request, not only for a wrong answer.
 */
export interface GraphCall {
  method: string;
  path: string;
  contentType: string | undefined;
  body: any;
}

export interface GraphFake {
  url: string;
  calls: GraphCall[];
  /** Request shapes that Graph would refuse. */
  problems: string[];
  /** Entra group memberships: user id → group ids. */
  members: Map<string, string[]>;
  /** When set, every call answers this status (e.g. 503). */
  failWith: number | null;
  /** A channel's messages, newest first, as Graph's chatMessage: id and attachments with the card as a JSON string. */
  channelMessages: (teamId: string, channelId: string) => { id: string; attachments: { contentType: string; content: string }[] }[];
  close(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkMemberGroupsProblems(call: GraphCall): string[] {
  const problems: string[] = [];
  if (call.method !== 'POST') problems.push(`checkMemberGroups must be POST, was ${call.method}`);
  if (!call.contentType?.startsWith('application/json')) problems.push(`content-type must be application/json, was ${call.contentType}`);
  const body = call.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'body must be a JSON object'];
  const extra = Object.keys(body).filter((key) => key !== 'groupIds');
  if (extra.length) problems.push(`unexpected body properties: ${extra.join(', ')}`);
  if (!Array.isArray(body.groupIds) || body.groupIds.length === 0) problems.push('groupIds must be a non-empty array');
  else {
    if (body.groupIds.length > 20) problems.push(`at most 20 groupIds a call, got ${body.groupIds.length}`);
    if (!body.groupIds.every((id: unknown) => typeof id === 'string' && GUID.test(id))) problems.push('every groupId must be a GUID');
  }
  return problems;
}

export async function startGraphFake(): Promise<GraphFake> {
  const fake: GraphFake = {
    url: '',
    calls: [],
    problems: [],
    members: new Map(),
    failWith: null,
    channelMessages: () => [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const call: GraphCall = { method: request.method ?? '', path: decodeURIComponent(request.url ?? ''), contentType: request.headers['content-type'], body };
      fake.calls.push(call);
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      if (fake.failWith) return answer(fake.failWith, { error: { code: 'serviceNotAvailable', message: 'The service is unavailable.' } });
      const messages = /^\/v1\.0\/teams\/([^/]+)\/channels\/([^/?]+)\/messages(\?.*)?$/.exec(call.path);
      if (messages) {
        const top = Number(new URLSearchParams(messages[3]?.slice(1) ?? '').get('$top') ?? 20);
        const problems = [
          ...(call.method !== 'GET' ? [`channel messages are read with GET, was ${call.method}`] : []),
          ...(!(top >= 1 && top <= 50) ? [`$top must be 1 to 50, was ${top}`] : []),
          ...(!GUID.test(messages[1]!) ? ['the team is named by its Entra group id (a GUID)'] : []),
        ];
        if (problems.length) {
          fake.problems.push(...problems);
          return answer(400, { error: { code: 'BadRequest', message: problems.join('; ') } });
        }
        return answer(200, { value: fake.channelMessages(messages[1]!, messages[2]!).slice(0, top) });
      }
      const match = /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/.exec(call.path);
      if (!match) {
        fake.problems.push(`no such Graph route: ${call.method} ${call.path}`);
        return answer(404, { error: { code: 'Request_ResourceNotFound', message: 'Not a route this fake knows.' } });
      }
      const problems = checkMemberGroupsProblems(call);
      if (problems.length) {
        fake.problems.push(...problems);
        return answer(400, { error: { code: 'Request_BadRequest', message: problems.join('; ') } });
      }
      const groups = fake.members.get(match[1]!) ?? [];
      return answer(200, { value: (call.body as { groupIds: string[] }).groupIds.filter((id) => groups.includes(id)) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Graph is reached over plain http on loopback here, so no token is attached; this credential is never asked. */
export const TEST_CREDENTIAL: TokenCredential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

/** Settings that point the service at the fake. */
export const graphEnv = (fake: GraphFake) => ({ GRAPH_BASE_URL: fake.url, GRAPH_TENANT_ID: 'tenant', GRAPH_CLIENT_ID: 'client', GRAPH_CLIENT_SECRET: 'secret' });
