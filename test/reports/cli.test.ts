import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MONTHLY_CSV } from './fixtures';

const run = promisify(execFile);

/** `npm run import` then `npm run report`, as a council would, on an embedded database of their own. */
describe('npm run report (after npm run import)', function () {
  this.timeout(60_000);
  let dir: string;
  const env = () => ({ ...process.env, DATA_DIR: join(dir, 'data'), DATABASE_URL: '', TIMEZONE: 'Europe/London', LOCAL_AUTHORITY: 'Demo Borough Council', LOG_LEVEL: 'silent' });
  // The project's own command lines, without npm's banner.
  const node = (script: string, args: string[]) => run(process.execPath, ['--no-deprecation', '--import', 'tsx', script, ...args], { cwd: join(__dirname, '../..'), env: env() });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'huddle-report-cli-'));
    writeFileSync(join(dir, 'episodes.csv'), MONTHLY_CSV);
    const imported = await node('src/import/cli.ts', [join(dir, 'episodes.csv')]);
    assert.match(imported.stdout, /Imported 9 of 9 rows \(native\): 9 new/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the figures as the Croydon table lays them out: a line a figure, a column a month', async () => {
    const { stdout } = await node('src/reports/cli.ts', ['--from', '2026-02', '--to', '2026-05']);
    const lines = stdout.split('\n');
    assert.match(lines[0]!, /^Missing children, 2026-02 to 2026-05 \(Europe\/London; children placed here by other authorities left out\)$/);
    const line = (heading: string) => lines.find((text) => text.startsWith(heading))!.slice(heading.length).trim().split(/\s+/);
    assert.deepEqual(line('Children missing'), ['0', '4', '1', '1']);
    assert.deepEqual(line('RHI offer rate for children (%)'), ['0.00', '100.00', '100.00', '0.00']);
    assert.deepEqual(line('Looked-after episodes with an RHI done (%)'), ['0.00', '50.00', '0.00', '0.00']);
  });

  it('prints CSV with --csv, and refuses months the wrong way round, saying why', async () => {
    const { stdout } = await node('src/reports/cli.ts', ['--from', '2026-03', '--to', '2026-03', '--csv']);
    assert.match(stdout.split('\r\n')[1]!, /^2026-03,4,4,3,5,4,100\.00,80\.00,50\.00,75\.00,1,1$/);
    await assert.rejects(node('src/reports/cli.ts', ['--from', '2026-05', '--to', '2026-02']), (error: { code: number; stderr: string }) => error.code === 2 && /The first month \(2026-05\) is after the last \(2026-02\)\./.test(error.stderr));
  });
});
