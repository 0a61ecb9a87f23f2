import { startApp, type RunningApp, type StartOptions } from './app/app';
import { serviceConfig, type Config } from './config';

/**
 * The service as a process: started, and on SIGINT or SIGTERM stopped gracefully (requests in
 * flight finish) and gone within ten seconds whatever happens, as a service manager expects.
 */
export async function runService(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const app = await startApp(config, options);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping');
    setTimeout(() => {
      app.logger.error('could not stop in time; exiting');
      process.exit(1);
    }, 10_000).unref();
    await app.stop();
    app.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return app;
}

/** What `npm start` runs (dist/service.js, the bundle of src/service.ts) and `node dist/main.js` too. */
export async function main(config = serviceConfig(), options: StartOptions = {}): Promise<void> {
  const app = await runService(config, options);
  const endpoint = `http://${config.HOST}:${app.port}/api/messages`;
  const playgroundPort = process.env.PLAYGROUND_PORT ?? '56150';
  // Who can run the huddle from Teams: a newcomer needs to know that the role comes from MISSING_TEAM_USER_IDS.
  const rolesLine =
    config.MISSING_TEAM_USER_IDS.length > 0 || config.MISSING_TEAM_GROUP_ID
      ? ''
      : (await app.roles.missingTeamKnown())
        ? 'Roles: the demo grants the Playground\'s invented users their roles (type "roles" there). For real Teams users, set MISSING_TEAM_USER_IDS (Entra object ids) or MISSING_TEAM_GROUP_ID in .env.'
        : 'Nobody holds the missing team role, so nobody can link channels or record from Teams: set MISSING_TEAM_USER_IDS (Entra object ids) or MISSING_TEAM_GROUP_ID in .env.';
  console.log(
    [
      '',
      `Missing Huddle is running: ${endpoint} (${app.db.driver === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'})`,
      app.demoLoaded ? 'Demo data loaded: synthetic children only.' : '',
      rolesLine,
      config.MicrosoftAppId ? '' : 'Local mode (no MicrosoftAppId): open the Agents Playground in another terminal with',
      config.MicrosoftAppId ? '' : `  npm run playground      then browse to http://localhost:${playgroundPort} and type "help"`,
      '',
    ]
      .filter((line, index, lines) => line !== '' || lines[index - 1] !== '')
      .join('\n'),
  );
}

/** Starts the service, or says in one line why it could not and exits with 1. */
export function start(config?: Config, options?: StartOptions): void {
  main(config, options).catch((error: Error) => {
    console.error(`Missing Huddle could not start: ${error.message}`);
    process.exit(1);
  });
}

if (require.main === module) start();
