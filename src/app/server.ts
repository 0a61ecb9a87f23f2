import { bumpListVersion } from '../store/postedCards';
import { localDate } from '../domain/calendar';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { createRestifyServer, queryParser } from './restify';
import type { Logger } from 'pino';
import type { HuddleAdapter } from '../bot/adapter';
import { authenticate, type IngestKey } from '../api/auth';
import type { Activity } from 'botbuilder';
import { inviteFile } from '../meetings/booking';
import type { InviteLinks, ReportLinks } from '../meetings/links';
import { monthlyCsv, monthlyFigures, monthsBetween } from '../reports/monthly';
import { findMeeting } from '../store/meetings';
import { RETRY_AFTER_SECONDS, toHttpFailure, zodProblems } from '../api/errors';
import { receiveActivity } from '../bot/receive';
import { ACTIVITY_MAX_BYTES, BodyRefusal, capProblems, checkHeaders, CSV_MAX_BYTES, JSON_MAX_BYTES, parseCsvBody, parseJsonBody, readBody } from './bodies';
import { activityEnvelope } from '../bot/envelope';
import { openApiDocument } from '../api/openapi';
import { API_ROUTES, type ApiDeps } from '../api/routes';
import { audit, findChildById } from '../store/repositories';
import { isLoopbackHost } from '../config';
import type { MissingHuddleBot } from '../bot/bot';

/** Healthy means the database answers within this time. */
const HEALTH_TIMEOUT_MS = 1_000;

const isLoopbackUrl = (url: string) => {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
};

export interface ServerDeps extends ApiDeps {
  /** No MicrosoftAppId: no Bot Framework authentication, so loopback only. */
  localMode: boolean;
  adapter: HuddleAdapter;
  bot: MissingHuddleBot;
  ingestKeys: IngestKey[];
  logger: Logger;
  version: string;
  /** Signed links to meeting invitations (.ics), for when no calendar is connected. */
  invites: InviteLinks;
  /** Signed links to the monthly figures as CSV, from the management card. */
  reports: ReportLinks;
  /** Brings the posted copies of a day's list up to date (the card refresher); not awaited. */
  listChanged?: (listDate: string) => void;
}

/**
 * Answers before the body is read: what was sent is drained unread (so the caller receives the
 * answer) and the connection is closed after it.
 */
function answerUnread(req: restify.Request, res: restify.Response, status: number, body: unknown): void {
  res.header('Connection', 'close');
  req.resume();
  res.send(status, body);
}

/** Answers a refused body in the API's error shape. */
function refuseBody(req: restify.Request, res: restify.Response, error: unknown): boolean {
  if (!(error instanceof BodyRefusal)) return false;
  answerUnread(req, res, error.status, { error: error.message, errors: capProblems(error.problems) });
  return true;
}

/**
 * Refused API keys leave a trace: one warning per address a minute, with how many were refused
 * since. The key itself is never logged.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => Date.now(),
    private readonly everyMs = 60_000,
  ) {}

  note(address: string): void {
    const now = this.now();
    const seen = this.last.get(address);
    if (seen && now - seen.at < this.everyMs) {
      seen.since++;
      return;
    }
    this.logger.warn({ address, refusedSinceLastWarning: seen?.since ?? 0 }, 'API request without a valid key refused');
    this.last.set(address, { at: now, since: 0 });
    if (this.last.size > 10_000) this.last.delete(this.last.keys().next().value!);
  }
}

export function createServer(deps: ServerDeps): restify.Server {
  const server = createRestifyServer('missing-huddle', deps.logger);
  const refusedKeys = new RefusalLog(deps.logger);
  server.use(queryParser({ mapParams: false }));

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    let body: unknown;
    try {
      checkHeaders(req, ['application/json'], ACTIVITY_MAX_BYTES);
      body = parseJsonBody(await readBody(req, ACTIVITY_MAX_BYTES));
    } catch (error) {
      if (refuseBody(req, res, error)) return;
      throw error;
    }
    const envelope = activityEnvelope.safeParse(body);
    if (!envelope.success) {
      res.send(400, { error: 'Not a Bot Framework activity.', errors: capProblems(zodProblems(envelope.error)) });
      return;
    }
    if (deps.localMode && !isLoopbackUrl((body as { serviceUrl: string }).serviceUrl)) {
      // Without authentication anyone could name a serviceUrl: local mode replies to this machine only.
      res.send(403, { error: 'In local mode (no MicrosoftAppId) I answer only a serviceUrl on this machine.', errors: [{ path: 'serviceUrl', message: 'not loopback' }] });
      return;
    }
    const answer = await receiveActivity(deps.adapter, deps.bot, req.header('authorization') ?? '', body as Activity, deps.logger);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.header(name, value);
    res.send(answer.status, answer.body);
  });

  // Healthy means the database answers within a second: a frozen one must not hold the probe.
  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.db.query('select 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in a second')), HEALTH_TIMEOUT_MS);
        }),
      ]);
      res.send(200, { status: 'ok', database: deps.db.driver });
    } catch {
      res.header('Retry-After', String(RETRY_AFTER_SECONDS));
      res.send(503, { status: 'unavailable', database: deps.db.driver });
    } finally {
      clearTimeout(timer);
    }
  });

  // A meeting's invitation, for a valid signed link that has not expired; nothing else is disclosed.
  server.get('/meetings/:id/invite.ics', async (req: restify.Request, res: restify.Response) => {
    const id = String(req.params.id ?? '');
    const query = new URL(req.url ?? '', 'http://local').searchParams;
    const valid = /^[0-9a-f-]{36}$/i.test(id) && deps.invites.verify(id, query.get('expires') ?? '', query.get('sig') ?? '', deps.now());
    const meeting = valid ? await findMeeting(deps.db, id) : undefined;
    const child = meeting && meeting.status === 'booked' ? await findChildById(deps.db, meeting.childId) : undefined;
    if (!meeting || !child) {
      res.send(404, { error: 'That invitation link is not valid, has expired (links last 24 hours) or the meeting was cancelled. Open the child’s card in Teams for a new one.' });
      return;
    }
    await audit(deps.db, { actor: 'invite-link', actorKind: 'system', action: 'meeting.invite_downloaded', subjectType: 'meeting', subjectId: meeting.id, details: { childRef: child.ref } });
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="meeting-${child.ref.replace(/[^A-Za-z0-9-]/g, '_')}.ics"`);
    res.setHeader('Cache-Control', 'no-store');
    res.sendRaw(200, inviteFile(meeting, child.ref));
  });

  // The monthly figures as CSV, for the signed link on the management card: counts only, no child.
  server.get('/reports/monthly.csv', async (req: restify.Request, res: restify.Response) => {
    const query = new URL(req.url ?? '', 'http://local').searchParams;
    const [from, to] = [query.get('from') ?? '', query.get('to') ?? ''];
    const valid = typeof monthsBetween(from, to) !== 'string' && deps.reports.verify(from, to, query.get('expires') ?? '', query.get('sig') ?? '', deps.now());
    if (!valid) {
      res.send(404, { error: 'That link is not valid or has expired (links last 45 days). Ask for the figures again with report in Teams.' });
      return;
    }
    const rows = await monthlyFigures(deps.db, from, to, deps.settings, deps.now());
    await audit(deps.db, { actor: 'report-link', actorKind: 'system', action: 'report.disclosed', details: { report: 'monthly', from, to, format: 'csv' } });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="missing-figures-${from}-to-${to}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.sendRaw(200, monthlyCsv(rows));
  });

  const openApi = openApiDocument(deps.version);
  server.get('/api/v1/openapi.json', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, openApi);
  });

  for (const route of API_ROUTES) {
    server[route.method === 'patch' ? 'patch' : route.method](route.path, async (req: restify.Request, res: restify.Response) => {
      // The key and its scope first: nothing of the body is read for a caller who may not send it.
      const caller = authenticate(req.header('authorization'), deps.ingestKeys);
      if (!caller) {
        refusedKeys.note(req.socket.remoteAddress ?? 'unknown');
        res.header('WWW-Authenticate', 'Bearer');
        answerUnread(req, res, 401, { error: 'Send a valid API key as Authorization: Bearer <key>.', errors: [] });
        return;
      }
      if (!caller.scopes.includes(route.requires)) {
        await audit(deps.db, { actor: caller.name, actorKind: 'api', action: 'api.refused', details: { route: `${route.method.toUpperCase()} ${route.path}`, reason: `missing scope ${route.requires}` } });
        answerUnread(req, res, 403, { error: `This key may not do that: it needs the ${route.requires} scope (it has ${caller.scopes.join(', ')}).`, errors: [{ path: 'scope', message: `missing ${route.requires}` }] });
        return;
      }
      let body: unknown;
      try {
        const csv = route.bodyType === 'text/csv';
        const limit = csv ? CSV_MAX_BYTES : JSON_MAX_BYTES;
        checkHeaders(req, [csv ? 'text/csv' : 'application/json'], limit);
        const raw = await readBody(req, limit);
        body = csv ? parseCsvBody(raw) : parseJsonBody(raw);
      } catch (error) {
        if (refuseBody(req, res, error)) return;
        throw error;
      }
      try {
        // Each route's own schemas validate what it reads; a ZodError becomes a 400 listing the problems.
        const params = route.params ? route.params.parse(req.params ?? {}) : (req.params ?? {});
        const query = route.query ? route.query.parse(req.query ?? {}) : (req.query ?? {});
        const parsed = route.body ? route.body.parse(body) : body;
        const answer = await route.handle({ params, query, body: parsed, caller: caller.name, accept: req.header('accept') || undefined }, deps);
        // A record from a case system changes today's list: its kept copy, here and on every replica,
        // is stale, and the copies posted in Teams follow, as they do a record made from a card.
        if (route.method !== 'get' && answer.status < 300) {
          const today = localDate(deps.now(), deps.settings.timeZone);
          await bumpListVersion(deps.db, today);
          deps.listChanged?.(today);
        }
        for (const [name, value] of Object.entries(answer.headers ?? {})) res.header(name, value);
        if (answer.contentType) {
          res.header('Content-Type', answer.contentType);
          res.sendRaw(answer.status, answer.body as string);
        } else res.send(answer.status, answer.body);
      } catch (error) {
        const failure = toHttpFailure(error);
        for (const [name, value] of Object.entries(failure.headers ?? {})) res.header(name, value);
        if (failure.status === 500) deps.logger.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, route: route.path }, 'request failed');
        res.send(failure.status, { ...failure.body, errors: capProblems(failure.body.errors) });
      }
    });
  }
  return server;
}

export async function listen(server: restify.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
