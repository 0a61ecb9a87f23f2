import { spawn } from 'node:child_process';
import { loadConfig, loadDotEnv } from '../src/config';

/**
 * npm run playground: the Microsoft 365 Agents Playground against the bot started with npm start,
 * using .m365agentsplayground.yml (a team with General and Police, users named for the roles).
 */
loadDotEnv();
const config = loadConfig();
const port = process.env.PLAYGROUND_PORT ?? '56150';
const endpoint = `http://127.0.0.1:${config.PORT}/api/messages`;
const child = spawn(
  process.execPath,
  [require.resolve('@microsoft/m365agentsplayground/cli.js'), '-e', endpoint, '-c', 'msteams', '-p', port, '--disable-telemetry'],
  { stdio: 'inherit', env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: process.env.M365_AGENTS_PLAYGROUND_LOGFILE ?? 'devTools/m365agentsplayground.log' } },
);
console.log(`Agents Playground for ${endpoint}: browse to http://localhost:${port} (Ctrl+C to stop).`);
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
