import type { Server } from 'restify';
import type { Logger } from 'pino';
import RestifyServer from 'restify/lib/server';
import Router from 'restify/lib/router';
import queryParser from 'restify/lib/plugins/query';

/**
 * restify's server, built as restify's own `createServer` builds it but from the package's files
 * rather than its index: the index also loads every plugin restify ships and its own copy of pino
 * (about 60 ms of the service's start; the service uses the query parser only).
 * test/app/restify.test.ts checks these are the very parts restify's index uses, so an upgrade that
 * moves them fails there, not in production.
 *
 * restify logs through ours, never below warnings: at trace it would write whole requests and
 * responses, which carry children's details.
 */
export function createRestifyServer(name: string, logger: Logger): Server {
  const log = logger.child({ component: 'restify' }, { level: logger.levelVal > 40 ? logger.level : 'warn' });
  const options = { name, log, handleUncaughtExceptions: false };
  return new RestifyServer({ ...options, router: new Router(options) });
}

export { queryParser };
