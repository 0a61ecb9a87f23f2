// The three files of restify the service loads itself (src/app/restify.ts), typed as restify's
// index exposes them; test/app/restify.test.ts checks they are the ones its index uses.
declare module 'restify/lib/server' {
  import type { Server, ServerOptions } from 'restify';
  const RestifyServer: new (options: Omit<ServerOptions, 'log' | 'router'> & { name: string; log: object; router: object }) => Server;
  export = RestifyServer;
}

declare module 'restify/lib/router' {
  import type { Router as RestifyRouter } from 'restify';
  const Router: new (options: object) => RestifyRouter;
  export = Router;
}

declare module 'restify/lib/plugins/query' {
  import type { plugins } from 'restify';
  const queryParser: typeof plugins.queryParser;
  export = queryParser;
}
