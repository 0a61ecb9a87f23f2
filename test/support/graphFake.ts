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
  /** When the fake received it (ms since the epoch). */
  receivedAt: number;
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
  /** The organiser mailbox's calendar and the free/busy Graph can see. */
  calendar: FakeCalendar;
  close(): Promise<void>;
}

export interface FakeEvent {
  id: string;
  subject: string;
  body: { contentType: string; content: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  attendees: { emailAddress: { address: string }; type: string }[];
  transactionId: string;
  cancelled: boolean;
  cancelComment?: string;
}

export interface FakeCalendar {
  /** The only mailbox the app may book in (another answers 404, as an unknown mailbox does). */
  mailbox: string;
  /** Busy intervals per attendee (UTC). */
  busy: Map<string, { start: Date; end: Date }[]>;
  /** Attendees whose free/busy Graph cannot see (another organisation's tenant). */
  unknown: Set<string>;
  events: FakeEvent[];
  /** Answers for the next calendar calls, in order (e.g. 429 with Retry-After), before any real answer. */
  failNext: { status: number; retryAfter?: number }[];
  /** Holds the answer to the next event creation this long (ms) after creating it: a timeout on the way back. */
  stallNextCreate: number;
}

const GRAPH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;
const timeProblems = (name: string, value: any) =>
  !value || typeof value !== 'object' || !GRAPH_TIME.test(value.dateTime ?? '') || typeof value.timeZone !== 'string' ? [`${name} must be a dateTimeTimeZone {dateTime without offset, timeZone}`] : [];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function getScheduleProblems(call: GraphCall): string[] {
  const body = call.body;
  if (call.method !== 'POST') return [`getSchedule must be POST, was ${call.method}`];
  if (!body || typeof body !== 'object') return ['body must be a JSON object'];
  const extra = Object.keys(body).filter((key) => !['schedules', 'startTime', 'endTime', 'availabilityViewInterval'].includes(key));
  return [
    ...(extra.length ? [`unexpected body properties: ${extra.join(', ')}`] : []),
    ...(!Array.isArray(body.schedules) || body.schedules.length === 0 || body.schedules.length > 100 || !body.schedules.every((item: unknown) => typeof item === 'string' && EMAIL.test(item)) ? ['schedules must be 1 to 100 SMTP addresses'] : []),
    ...timeProblems('startTime', body.startTime),
    ...timeProblems('endTime', body.endTime),
    ...(body.availabilityViewInterval !== undefined && !(Number.isInteger(body.availabilityViewInterval) && body.availabilityViewInterval >= 5 && body.availabilityViewInterval <= 1440) ? ['availabilityViewInterval must be 5 to 1440 minutes'] : []),
  ];
}

function createEventProblems(call: GraphCall): string[] {
  const body = call.body;
  if (!body || typeof body !== 'object') return ['body must be a JSON object'];
  const allowed = ['subject', 'body', 'start', 'end', 'attendees', 'isOnlineMeeting', 'onlineMeetingProvider', 'sensitivity', 'allowNewTimeProposals', 'transactionId'];
  const extra = Object.keys(body).filter((key) => !allowed.includes(key));
  return [
    ...(extra.length ? [`unexpected event properties: ${extra.join(', ')}`] : []),
    ...(typeof body.subject !== 'string' || body.subject.length === 0 || body.subject.length > 255 ? ['subject must be a string of 1 to 255 characters'] : []),
    ...(!body.body || !['text', 'html'].includes(body.body.contentType) || typeof body.body.content !== 'string' ? ['body must be an itemBody {contentType text|html, content}'] : []),
    ...timeProblems('start', body.start),
    ...timeProblems('end', body.end),
    ...(!Array.isArray(body.attendees) || !body.attendees.every((item: any) => EMAIL.test(item?.emailAddress?.address ?? '') && ['required', 'optional', 'resource'].includes(item?.type)) ? ['attendees must be [{emailAddress: {address}, type}]'] : []),
    ...(body.isOnlineMeeting !== true || body.onlineMeetingProvider !== 'teamsForBusiness' ? ['a Teams meeting needs isOnlineMeeting true and onlineMeetingProvider teamsForBusiness'] : []),
    ...(!['normal', 'personal', 'private', 'confidential'].includes(body.sensitivity) ? ['sensitivity must be a sensitivity value'] : []),
    ...(typeof body.transactionId !== 'string' || body.transactionId.length === 0 ? ['transactionId must be given, so a retried POST makes no second event'] : []),
  ];
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
    calendar: { mailbox: 'missing.meetings@council.example', busy: new Map(), unknown: new Set(), events: [], failNext: [], stallNextCreate: 0 },
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
      const call: GraphCall = { method: request.method ?? '', path: decodeURIComponent(request.url ?? ''), contentType: request.headers['content-type'], body, receivedAt: Date.now() };
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
      const calendar = /^\/v1\.0\/users\/([^/]+)\/(calendar\/getSchedule|events)(?:\/([^/]+)(\/cancel)?)?$/.exec(call.path);
      if (calendar) {
        const [, mailbox, what, eventId, cancel] = calendar;
        const failure = fake.calendar.failNext.shift();
        if (failure) {
          response.writeHead(failure.status, { 'content-type': 'application/json', ...(failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {}) });
          return response.end(JSON.stringify({ error: { code: failure.status === 403 ? 'ErrorAccessDenied' : 'TooManyRequests', message: 'As Graph would say it.' } }));
        }
        if (mailbox!.toLowerCase() !== fake.calendar.mailbox) return answer(404, { error: { code: 'ErrorInvalidUser', message: `The requested user '${mailbox}' is invalid.` } });
        const fail = (problems: string[]) => {
          fake.problems.push(...problems);
          return answer(400, { error: { code: 'ErrorInvalidRequest', message: problems.join('; ') } });
        };
        if (!(request.headers.prefer ?? '').includes('outlook.timezone="UTC"')) return fail(['ask for times in UTC with Prefer: outlook.timezone="UTC"']);
        if (what === 'calendar/getSchedule') {
          const problems = getScheduleProblems(call);
          if (problems.length) return fail(problems);
          const from = new Date(`${call.body.startTime.dateTime}Z`);
          const to = new Date(`${call.body.endTime.dateTime}Z`);
          const graphTime = (date: Date) => ({ dateTime: date.toISOString().replace('Z', '0000'), timeZone: 'UTC' });
          return answer(200, {
            value: (call.body.schedules as string[]).map((scheduleId) =>
              fake.calendar.unknown.has(scheduleId)
                ? { scheduleId, error: { message: 'Unable to retrieve free/busy information.', responseCode: 'ErrorFreeBusyGenerationFailed' } }
                : {
                    scheduleId,
                    availabilityView: '',
                    scheduleItems: (fake.calendar.busy.get(scheduleId) ?? []).filter((item) => item.start < to && from < item.end).map((item) => ({ status: 'busy', start: graphTime(item.start), end: graphTime(item.end) })),
                  },
            ),
          });
        }
        if (!eventId) {
          if (call.method !== 'POST') return fail([`events are created with POST, was ${call.method}`]);
          const problems = createEventProblems(call);
          if (problems.length) return fail(problems);
          let event = fake.calendar.events.find((candidate) => candidate.transactionId === call.body.transactionId);
          if (!event) {
            event = { id: `event-${fake.calendar.events.length + 1}`, ...call.body, cancelled: false } as FakeEvent;
            fake.calendar.events.push(event);
          }
          const made = { ...event, onlineMeeting: { joinUrl: `https://teams.microsoft.com/l/meetup-join/${event.id}` } };
          const stall = fake.calendar.stallNextCreate;
          fake.calendar.stallNextCreate = 0;
          if (stall) return void setTimeout(() => answer(201, made), stall).unref();
          return answer(201, made);
        }
        const event = fake.calendar.events.find((candidate) => candidate.id === eventId);
        if (!event) return answer(404, { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } });
        if (cancel) {
          if (call.method !== 'POST' || typeof call.body?.comment !== 'string' || Object.keys(call.body).length !== 1) return fail(['cancel is POST with {comment} only']);
          event.cancelled = true;
          event.cancelComment = call.body.comment;
          response.writeHead(202);
          return response.end();
        }
        if (call.method !== 'PATCH') return fail([`an event is changed with PATCH, was ${call.method}`]);
        const problems = [...timeProblems('start', call.body?.start), ...timeProblems('end', call.body?.end), ...(Object.keys(call.body ?? {}).length !== 2 ? ['only start and end are changed'] : [])];
        if (problems.length) return fail(problems);
        Object.assign(event, { start: call.body.start, end: call.body.end });
        return answer(200, event);
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
