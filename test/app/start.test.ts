import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import { postActivity, startConnector, teamsMessage, TENANT } from '../support/connector';
import { freePort, waitFor } from '../support/ports';
import { ROOT } from '../support/playground';
import { npmNodeCommand } from '../support/startFlags';

const KEY = 'start-test-key-0123456789';

describe('the README commands on a fresh data directory', function () {
  this.timeout(120_000);
  let dataDir: string;
  let bot: ChildProcess | undefined;
  let output = '';

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'huddle-start-'));
  });
  after(async () => {
    if (bot && bot.exitCode === null && bot.signalCode === null) process.kill(-bot.pid!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('npm start migrates, loads demo data, serves the list, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    // Its own process group, as a terminal gives it: Ctrl+C or a service manager signals the group.
    bot = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, INGEST_API_KEYS: `demo:${KEY}`, ALLOWED_TENANT_IDS: TENANT, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout!.on('data', (chunk) => (output += chunk));
    bot.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor('the bot to answer /healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 60_000);
    assert.match(output, /Missing Huddle is running: http:\/\/127\.0\.0\.1:\d+\/api\/messages \(embedded PGlite/);
    assert.match(output, /npm run playground/);
    assert.match(output, /For real Teams users, set MISSING_TEAM_USER_IDS \(Entra object ids\) or MISSING_TEAM_GROUP_ID in \.env\./, 'a newcomer is told where the missing team role comes from');
    const list = await (await fetch(`http://127.0.0.1:${port}/api/v1/daily-list`, { headers: { authorization: `Bearer ${KEY}` } })).json();
    assert.ok(list.missingNow.some((entry: { caseRef: string }) => entry.caseRef.startsWith('DEMO-')));
    assert.match(output, /"msg":"demo data loaded/);
    // The bot itself, as built (dist/, botbuilder's adapter behind /api/messages): a message in, an Adaptive Card out.
    const connector = await startConnector();
    try {
      assert.equal((await postActivity(`http://127.0.0.1:${port}`, teamsMessage(connector.url, 'help'))).status, 200);
      const reply = await waitFor('the help card posted to the connector', async () => connector.calls.find((call) => call.method === 'POST' && call.body?.attachments));
      assert.match(JSON.stringify(reply.body.attachments[0].content), /What you can ask me/);
    } finally {
      await connector.close();
    }
    const exited = new Promise<void>((resolve) => bot!.once('close', () => resolve()));
    process.kill(-bot.pid!, 'SIGTERM');
    await exited;
    assert.match(output, /"signal":"SIGTERM","msg":"stopping"/);
    assert.ok(!/could not start|Error/.test(output), output);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens after the stop');
  });

  it('npm start runs the service bundled in one file, whose modules still find their own files: migrations, cards, the PGlite worker, the version', async () => {
    const { script } = npmNodeCommand('start');
    assert.equal(script, join(ROOT, 'dist', 'service.js'), 'npm start runs the bundle');
    const bundle = readFileSync(script, 'utf8');
    assert.doesNotMatch(bundle, /require\("\.\.?\//, 'no built module of ours is loaded beside it: they are in it');
    assert.match(bundle, /require\("@electric-sql\/pglite"\)/, 'PGlite, which reads its WebAssembly from beside its code, is left to node_modules');
    const workerDir = mkdtempSync(join(tmpdir(), 'huddle-start-worker-'));
    const port = await freePort();
    const child = spawn(process.execPath, [...npmNodeCommand('start').flags, script], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: workerDir, DATABASE_URL: '', PGLITE_THREAD: 'worker', ALLOWED_TENANT_IDS: TENANT, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    child.stdout!.on('data', (chunk) => (said += chunk));
    child.stderr!.on('data', (chunk) => (said += chunk));
    try {
      // A new data directory: migrated from the kept one (the migrations found beside the built store), the demo loaded, in PGlite's own thread (the worker's file found).
      await waitFor('the bundled service to answer /healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok ? true : undefined), 60_000);
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      assert.deepEqual(health, { status: 'ok', database: 'pglite' });
      assert.match(said, /"msg":"demo data loaded/);
      const openApi = await (await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`)).json();
      assert.equal(openApi.info.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, 'the version read from package.json');
      const connector = await startConnector();
      try {
        assert.equal((await postActivity(`http://127.0.0.1:${port}`, teamsMessage(connector.url, 'help'))).status, 200);
        const reply = await waitFor('the help card drawn from cards/', async () => connector.calls.find((call) => call.method === 'POST' && call.body?.attachments));
        assert.equal(reply.body.attachments[0].content.type, 'AdaptiveCard');
      } finally {
        await connector.close();
      }
    } finally {
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      rmSync(workerDir, { recursive: true, force: true });
    }
    assert.ok(!/could not start|"level":50/.test(said), said);
  });

  it('npm start opens the embedded database in its worker thread before loading the rest of the service, so that the two overlap on two cores', async () => {
    // A preload notes, in order, the worker's start and the first module of the rest of the service
    // (pino, which the service's logging loads and the settings and the database do not), then stops the process once it listens.
    const dir = mkdtempSync(join(tmpdir(), 'huddle-start-order-'));
    const preload = join(dir, 'order.cjs');
    const noted = join(dir, 'order.txt');
    writeFileSync(
      preload,
      `const fs = require('node:fs'); const Module = require('node:module'); const threads = require('node:worker_threads'); const http = require('node:http');
const order = []; const note = (what) => { if (!order.includes(what)) order.push(what); };
const Worker = threads.Worker; threads.Worker = class extends Worker { constructor(...args) { note('database worker'); super(...args); } };
const load = Module._load; Module._load = function (request) { if (request === 'pino') note('rest of the service'); return load.apply(this, arguments); };
const listen = http.Server.prototype.listen; http.Server.prototype.listen = function (...args) { this.once('listening', () => { fs.writeFileSync(${JSON.stringify(noted)}, order.join('\\n')); process.exit(0); }); return listen.apply(this, args); };`,
    );
    try {
      const run = (thread: string, data: string) => {
        rmSync(noted, { force: true });
        const { flags, script } = npmNodeCommand('start');
        const result = spawnSync(process.execPath, [...flags, `--require=${preload}`, script], {
          cwd: ROOT,
          env: { ...process.env, PORT: '0', DATA_DIR: data, DATABASE_URL: '', PGLITE_THREAD: thread, LOG_LEVEL: 'silent' },
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(result.status, 0, result.stderr);
        return readFileSync(noted, 'utf8').split('\n');
      };
      assert.deepEqual(run('', join(dir, 'data')), ['database worker', 'rest of the service'], 'a fresh data directory: the worker starts first and copies it there');
      assert.deepEqual(run('', join(dir, 'data')), ['database worker', 'rest of the service'], 'by default (PGLITE_THREAD unset) the worker starts first on a restart too');
      assert.deepEqual(run('main', join(dir, 'main')), ['rest of the service'], "PGLITE_THREAD=main: the database in the service's own thread, no worker");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm start refuses a bad setting with one line naming it', () => {
    const result = spawnSync('npm', ['start', '--silent'], { cwd: ROOT, env: { ...process.env, PORT: 'eighty', DATA_DIR: dataDir }, encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /PORT: /);
  });

  it('npm run import reports a summary and changes nothing the second time', () => {
    const file = join(dataDir, 'episodes.csv');
    writeFileSync(file, `${NATIVE_COLUMNS.join(',')}\nCLI-1,Ada,Sample,,N,,home,2026-06-01T10:00,2026-06-01T12:00,low,POL-CLI-1,,,,\n`);
    const run = () => spawnSync('npm', ['run', '--silent', 'import', '--', file], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Imported 1 of 1 rows \(native\): 1 new, 0 updated, 0 unchanged, 0 skipped as invalid\./);
    assert.match(first.stdout, /Read and checked 1 rows in \d+\.\d s \([\d,]+ rows a second\)\./, 'how long it took, for a council planning years of history');
    const second = run();
    assert.match(second.stdout, /0 new, 0 updated, 1 unchanged/);
    writeFileSync(file, `${NATIVE_COLUMNS.join(',')}\nCLI-2,Ben,Example,,N,,home,soon,,,,,,,\n`);
    const bad = run();
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /Not imported: 1 of 1 rows are not valid/);
    assert.match(bad.stdout, /line 2 reported_at: must be an ISO 8601 date-time/);
  });
});
