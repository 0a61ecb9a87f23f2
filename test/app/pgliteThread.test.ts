import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startApp } from '../../src/app/app';
import { ConfigError, loadConfig } from '../../src/config';
import { API_KEY, call } from '../support/app';

/** PGLITE_THREAD: the embedded database in a worker thread (the default) or in the service's own thread. */
describe('PGLITE_THREAD: where the embedded database runs', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'huddle-thread-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const start = (thread?: string) =>
    startApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, DEMO_DATA: 'true', INGEST_API_KEYS: `case-system:${API_KEY}`, LOG_LEVEL: 'silent', ...(thread ? { PGLITE_THREAD: thread } : {}) }), {
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-06-09T08:00:00Z'),
    });

  it('runs in a worker thread by default, and in the service’s own thread when asked, serving the same list', async () => {
    const lists: unknown[] = [];
    for (const thread of [undefined, 'main']) {
      const app = await start(thread);
      try {
        // Only the worker promises statements run in the order asked without waiting for answers.
        assert.equal(app.db.pipelines, thread !== 'main', `${thread ?? 'default'}: the database opened where asked`);
        assert.equal((await call(`http://127.0.0.1:${app.port}/healthz`, { key: null })).status, 200);
        const list = await call(`http://127.0.0.1:${app.port}/api/v1/daily-list?date=2026-06-09`);
        assert.equal(list.status, 200);
        lists.push(list.body);
      } finally {
        await app.stop(); // closes the database it opened
      }
    }
    assert.ok((lists[0] as { missingNow: unknown[] }).missingNow.length > 0, 'the demo children are on the list');
    assert.deepEqual(lists[1], lists[0], 'the same data directory gives the same list from either thread');
  });

  it('refuses any other value, naming the setting', () => {
    assert.throws(
      () => loadConfig({ PGLITE_THREAD: 'threads' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && /^PGLITE_THREAD:.*main.*worker/.test(error.problems[0]!),
    );
  });
});
