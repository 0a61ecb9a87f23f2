import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { Logger } from 'pino';
import type { CloudAdapter } from 'botbuilder';
import { authenticate, type IngestKey } from '../api/auth';
import { toHttpFailure, zodProblems } from '../api/errors';
import { activityEnvelope } from '../bot/envelope';
import { openApiDocument } from '../api/openapi';
import { API_ROUTES, type ApiDeps } from '../api/routes';
import { audit } from '../store/repositories';
import type { MissingHuddleBot } from '../bot/bot';

export interface ServerDeps extends ApiDeps {
  adapter: CloudAdapter;
  bot: MissingHuddleBot;
  ingestKeys: IngestKey[];
  logger: Logger;
  version: string;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Parses JSON bodies ourselves, so that a malformed one answers in the API's own error shape. */
function parseJsonBody(req: restify.Request, res: restify.Response, next: restify.Next): void {
  const type = req.contentType();
  if (typeof req.body === 'string' && (type === 'application/json' || type.endsWith('+json'))) {
    try {
      req.body = req.body.trim() === '' ? undefined : JSON.parse(req.body);
    } catch (error) {
      res.send(400, { error: 'The request body is not valid JSON.', errors: [{ path: '', message: (error as Error).message }] });
      return next(false);
    }
  }
  return next();
}

export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'missing-huddle', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyReader({ maxBodySize: MAX_BODY_BYTES }));
  server.use(parseJsonBody);

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    const envelope = activityEnvelope.safeParse(req.body);
    if (!envelope.success) {
      res.send(400, { error: 'Not a Bot Framework activity.', errors: zodProblems(envelope.error) });
      return;
    }
    await deps.adapter.process(req, res, (context) => deps.bot.run(context));
  });

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    try {
      await deps.db.query('select 1');
      res.send(200, { status: 'ok', database: deps.db.driver });
    } catch {
      res.send(503, { status: 'unavailable', database: deps.db.driver });
    }
  });

  const openApi = openApiDocument(deps.version);
  server.get('/api/v1/openapi.json', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, openApi);
  });

  for (const route of API_ROUTES) {
    server[route.method === 'patch' ? 'patch' : route.method](route.path, async (req: restify.Request, res: restify.Response) => {
      const caller = authenticate(req.header('authorization'), deps.ingestKeys);
      if (!caller) {
        res.header('WWW-Authenticate', 'Bearer');
        res.send(401, { error: 'Send a valid API key as Authorization: Bearer <key>.', errors: [] });
        return;
      }
      if (!caller.scopes.includes(route.requires)) {
        await audit(deps.db, { actor: caller.name, actorKind: 'api', action: 'api.refused', details: { route: `${route.method.toUpperCase()} ${route.path}`, reason: `missing scope ${route.requires}` } });
        res.send(403, { error: `This key may not do that: it needs the ${route.requires} scope (it has ${caller.scopes.join(', ')}).`, errors: [{ path: 'scope', message: `missing ${route.requires}` }] });
        return;
      }
      if (route.bodyType === 'text/csv' && req.contentType() !== 'text/csv') {
        res.send(415, { error: 'Send the file with Content-Type: text/csv.', errors: [{ path: 'content-type', message: `was ${req.contentType()}` }] });
        return;
      }
      try {
        // Each route's own schemas validate what it reads; a ZodError becomes a 400 listing every problem.
        const params = route.params ? route.params.parse(req.params ?? {}) : (req.params ?? {});
        const query = route.query ? route.query.parse(req.query ?? {}) : (req.query ?? {});
        const body = route.body ? route.body.parse(req.body) : req.body;
        const answer = await route.handle({ params, query, body, caller: caller.name }, deps);
        res.send(answer.status, answer.body);
      } catch (error) {
        const failure = toHttpFailure(error);
        if (failure.status === 500) deps.logger.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, route: route.path }, 'request failed');
        res.send(failure.status, failure.body);
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
