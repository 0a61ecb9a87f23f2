import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_MAX_BYTES } from '../../src/app/bodies';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import { SHARED_IMPORT_MAX_ROWS } from '../../src/import/importer';
import { ROOT } from '../support/playground';
import { npmNodeCommand } from '../support/startFlags';

/**
 * One request must not stop the service. A CSV file just under the import route's size limit
 * (20 MB, about 100,000 rows), posted to the service on the embedded database and with the heap
 * cap `npm start` gives it: the parser used to turn the whole file into records in one go, and the
 * process died with "JavaScript heap out of memory" within seconds.
 */
const KEY = 'upload-key-0123456789abcdef';
/** The V8 flags and environment `npm start` runs the service with, so the heap is as small as in production. */
const { flags: START_FLAGS, env: START_ENV } = npmNodeCommand('start');

describe('a file at the import size limit, posted to the service on the embedded database', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'huddle-upload-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused whole, saying how to load it, and the service (with npm start’s heap cap) keeps answering', async () => {
    assert.ok(START_FLAGS.some((flag) => flag.startsWith('--max-old-space-size=')), `npm start caps the heap: ${START_FLAGS.join(' ')}`);
    const child = spawn(process.execPath, [...START_FLAGS, '--import', 'tsx', join(ROOT, 'test', 'support', 'serviceMain.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...START_ENV, PORT: '0', DATA_DIR: dir, DEMO_DATA: 'false', LOG_LEVEL: 'warn', INGEST_API_KEYS: `case-system:${KEY}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout!.on('data', (chunk) => {
          output += chunk;
          const match = /listening (\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        child.stderr!.on('data', (chunk) => (output += chunk));
        child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening:\n${output}`)));
      });
      const header = NATIVE_COLUMNS.join(',');
      const rows: string[] = [];
      let size = header.length + 1;
      for (let index = 0; ; index++) {
        const row = `UPL-${index},Test,Synthetic${index},2010-01-01,N,,home,2018-01-01T00:00,2018-01-01T06:00,medium,POL-UPL-${index},RHI-UPL-${index},2018-01-02T00:00,accepted,2018-01-03T00:00`;
        if (size + row.length + 1 > CSV_MAX_BYTES - 1024) break;
        rows.push(row);
        size += row.length + 1;
      }
      assert.ok(rows.length > SHARED_IMPORT_MAX_ROWS * 3, `${rows.length} rows`);
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/csv' }, body: `${header}\n${rows.join('\n')}\n` });
      const body = (await answer.json()) as { error: string };
      assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 300));
      assert.match(body.error, /has more than 25,000 rows.*npm run import/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the service still answers');
      assert.equal(child.exitCode, null, `the service is still running:\n${output.slice(-2000)}`);
      assert.doesNotMatch(output, /heap out of memory/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
