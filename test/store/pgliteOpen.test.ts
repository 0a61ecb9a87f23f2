import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite, withLoopHeld } from '../../src/store/db';
import { ROOT } from '../support/playground';

/**
 * Opening PGlite holds node's event loop open (issue 13, part 3). Its WebAssembly compiles on V8's
 * threads, which libuv does not count: with the loop empty, node waits for every background compile
 * before it turns the loop again, and a service that had just started listening held its first
 * requests for about half a second (bench/README.md, fourteenth session).
 */
describe('opening the embedded database', function () {
  this.timeout(60_000);

  it('holds the event loop open while PGlite starts, and lets it go once started (a process with nothing else to do exits)', () => {
    // The timers that hold the loop are seen by wrapping setInterval in the child: PGlite starts
    // timers of its own (PostgreSQL's, through setitimer), which are not this test's business.
    const script = `
      const held = new Set();
      const realSet = setInterval, realClear = clearInterval;
      globalThis.setInterval = (...args) => { const timer = realSet(...args); if (timer.hasRef()) held.add(timer); return timer; };
      globalThis.clearInterval = (timer) => { held.delete(timer); realClear(timer); };
      const { openPglite } = require('./src/store/db');
      (async () => {
        const before = held.size;
        const opening = openPglite();
        const during = held.size;
        const db = await opening;
        const after = held.size;
        const [row] = await db.query('select 41 + 1 as answer');
        await db.close();
        console.log(JSON.stringify({ before, during, after, answer: row.answer }));
      })();`;
    // Nothing stops this process: it ends only if nothing is left holding its loop.
    const result = spawnSync(process.execPath, ['--no-deprecation', '--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
    assert.equal(result.signal, null, 'the process ended by itself, not by the time limit');
    assert.equal(result.status, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.deepEqual(seen, { before: 0, during: 1, after: 0, answer: 42 }, 'one timer held while opening, none after');
  });

  it('lets the loop go when what it waited for fails, with the failure as it was', async () => {
    // The timers it sets and clears, seen by wrapping the globals for this test only.
    const { setInterval: realSet, clearInterval: realClear } = globalThis;
    const set: NodeJS.Timeout[] = [];
    const cleared: unknown[] = [];
    globalThis.setInterval = ((...args: Parameters<typeof realSet>) => {
      const timer = realSet(...args);
      set.push(timer);
      return timer;
    }) as typeof realSet;
    globalThis.clearInterval = ((timer: NodeJS.Timeout) => {
      cleared.push(timer);
      realClear(timer);
    }) as typeof realClear;
    try {
      const failing = withLoopHeld(Promise.reject(new Error('the data directory is not a database')));
      assert.equal(set.length, 1, 'held while waiting');
      assert.equal(set[0]!.hasRef(), true, 'by a timer that keeps the loop turning');
      assert.equal(cleared.includes(set[0]), false, 'not let go before the wait ends');
      await assert.rejects(failing, /the data directory is not a database/);
      assert.equal(cleared.includes(set[0]), true, 'and let go after the failure');
    } finally {
      globalThis.setInterval = realSet;
      globalThis.clearInterval = realClear;
    }
  });

  it('makes a new WAL segment without filling it with zeros first: the file has its 16 MB but holds little more than what was written', async () => {
    // Filling each new segment stopped the service's thread for 80–100 ms on disk under page taps.
    const dir = mkdtempSync(join(tmpdir(), 'huddle-wal-'));
    const db = await openPglite(join(dir, 'data'));
    try {
      const wal = join(dir, 'data', 'pg_wal');
      const segments = () => readdirSync(wal).filter((name) => /^[0-9A-F]{24}$/.test(name));
      const before = segments();
      await db.exec('create table wal_probe (note text)');
      await db.query('select pg_switch_wal()');
      await db.exec("insert into wal_probe values ('the first record of a new segment')");
      const made = segments().filter((name) => !before.includes(name));
      assert.equal(made.length, 1, `one segment begun by the switch (before: ${before.join(', ')}; now: ${segments().join(', ')})`);
      const file = statSync(join(wal, made[0]!));
      assert.equal(file.size, 16 * 1024 * 1024, 'the segment has its full size');
      // Zero-filled, all 16 MB are written to disk; made sparse, only the pages written since.
      assert.ok(file.blocks * 512 < 1024 * 1024, `the new segment holds ${file.blocks * 512} bytes on disk: it was filled, not made by its last byte`);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
