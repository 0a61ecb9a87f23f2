/**
 * npm run bench:restarts: whether a change made the service's restart faster, measured as the
 * change itself, not against a figure from another hour. BENCH_RESTARTS_AGAINST (a git revision,
 * default HEAD~1) is built in a temporary copy of its tree (this checkout's node_modules linked in)
 * and started alternately with this checkout's build, BENCH_RESTARTS_PAIRS (default 10) pairs,
 * each a PGlite restart of a data directory of its own made by a first start, with the flags and
 * environment `npm start` gives the service (package.json), /healthz polled every 10 ms
 * (bench/startup.ts's start); then as many pairs of fresh starts (a new data directory each, the
 * demo loaded, removed after), then of the code's load alone (its modules required in a fresh
 * process). Reported for each: each side's median, the median of the pairs' differences and the
 * ratio of the medians (issue 13, part 3). Nothing is kept but what a start keeps in
 * node_modules/.cache (shared by the two sides: each finds its own there after its first start).
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmNodeCommand } from '../test/support/startFlags';
import { middle } from './median';
import { keepPrinted } from './results';
import { startOnce } from './startup';

const ROOT = join(__dirname, '..');
const AGAINST = process.env.BENCH_RESTARTS_AGAINST ?? 'HEAD~1';
const PAIRS = Number(process.env.BENCH_RESTARTS_PAIRS ?? 10);

/** The revision's tree, built as npm start builds it, in a directory of its own. */
function buildRevision(revision: string, into: string): void {
  execSync(`git -C ${JSON.stringify(ROOT)} archive --format=tar ${JSON.stringify(revision)} | tar -x -C ${JSON.stringify(into)}`, { stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(into, 'scripts', 'build-if-needed.cjs')], { cwd: into, stdio: 'inherit' });
}

/** Each side's median and every time, the median of the pairs' differences and the medians' ratio. */
function report(revision: string, sides: { label: string; ms: number[] }[]): void {
  const [before, after] = sides as [{ label: string; ms: number[] }, { label: string; ms: number[] }];
  for (const side of sides) console.log(`  ${side.label.padEnd(46)} median ${Math.round(middle(side.ms)).toLocaleString('en-GB').padStart(6)} ms  (${side.ms.map((ms) => Math.round(ms)).join(', ')})`);
  const differences = after.ms.map((ms, index) => ms - before.ms[index]!);
  console.log(`  this checkout − ${revision}: median of the pairs' differences ${Math.round(middle(differences))} ms; medians' ratio ${(middle(after.ms) / middle(before.ms)).toFixed(3)}×`);
}

async function main(): Promise<void> {
  if (!Number.isInteger(PAIRS) || PAIRS < 1 || PAIRS > 100) throw new Error(`BENCH_RESTARTS_PAIRS must be a whole number from 1 to 100, not ${process.env.BENCH_RESTARTS_PAIRS}`);
  keepPrinted('restarts');
  const revision = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', AGAINST], { encoding: 'utf8' }).trim();
  const temporary: string[] = [];
  const directory = () => {
    const made = mkdtempSync(join(tmpdir(), 'huddle-restarts-'));
    temporary.push(made);
    return made;
  };
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.cjs')], { cwd: ROOT, stdio: 'inherit' });
    const other = directory();
    buildRevision(revision, other);
    const { env, flags } = npmNodeCommand('start');
    const sides = [
      { label: `${revision} (${AGAINST})`, script: npmNodeCommand('start', other).script, dataDir: directory(), ms: [] as number[] },
      { label: 'this checkout', script: npmNodeCommand('start').script, dataDir: directory(), ms: [] as number[] },
    ];
    const start = (side: (typeof sides)[number]) => startOnce([process.execPath, ...flags, side.script], { ...env, DATA_DIR: side.dataDir, DATABASE_URL: '' });
    for (const side of sides) await start(side); // the data directory made, with the demo: not measured
    console.log(`${PAIRS} pairs of PGlite restarts alternated, npm start's flags; ${revision} against this checkout`);
    for (let pair = 0; pair < PAIRS; pair++) {
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) side.ms.push((await start(side)).ms);
    }
    report(revision, sides);
    // A fresh start: what a change to making a new data directory (or to the demo) moves.
    const fresh = sides.map((side) => ({ ...side, label: `${side.label}, fresh data directory`, ms: [] as number[] }));
    console.log(`${PAIRS} pairs of fresh starts (a new data directory each, with the demo), alternated`);
    for (let pair = 0; pair < PAIRS; pair++) {
      for (const side of pair % 2 === 0 ? fresh : [...fresh].reverse()) {
        const dataDir = mkdtempSync(join(tmpdir(), 'huddle-fresh-'));
        try {
          side.ms.push((await start({ ...side, dataDir })).ms);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
    report(revision, fresh);
    // The code's load alone (its modules required, nothing opened or listened): the part of a
    // start a change of what is loaded moves, without PGlite's and the machine's noise around it.
    const loads = sides.map((side) => ({ ...side, label: `${side.label}, code loaded`, ms: [] as number[] }));
    console.log(`${PAIRS} pairs of the code's load alone (dist/app/app.js required), alternated`);
    for (let pair = 0; pair < PAIRS; pair++) {
      for (const side of pair % 2 === 0 ? loads : [...loads].reverse()) {
        const script = `const t = performance.now(); require(${JSON.stringify(join(side.script, '..', 'app', 'app.js'))}); console.log(performance.now() - t);`;
        side.ms.push(Number(execFileSync(process.execPath, [...flags, '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim()));
      }
    }
    report(revision, loads);
  } finally {
    for (const made of temporary) rmSync(made, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
