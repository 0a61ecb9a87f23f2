import { startApp } from './app/app';
import { ConfigError, loadConfig, loadDotEnv } from './config';

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await startApp(config);
  const endpoint = `http://${config.HOST}:${app.port}/api/messages`;
  console.log(
    [
      '',
      `Missing Huddle is running: ${endpoint} (${app.db.driver === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'})`,
      app.demoLoaded ? 'Demo data loaded: synthetic children only.' : '',
      config.MicrosoftAppId ? '' : 'Local mode (no MicrosoftAppId): open the Agents Playground in another terminal with',
      config.MicrosoftAppId ? '' : `  npm run playground      then browse to http://localhost:56150 and type "help"`,
      '',
    ]
      .filter((line, index, lines) => line !== '' || lines[index - 1] !== '')
      .join('\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping');
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`Missing Huddle could not start: ${error.message}`);
  process.exit(1);
});
