// npm start (and npm run import) run this first: when there is no build or a source file changed
// since the last one, it builds dist/ from src/ with esbuild, one file per entry point with the
// dependencies inside, so that the service starts with plain node: no TypeScript compiled at every
// start, and one file read and compiled instead of some two thousand modules found one by one
// (about 0.3 s of a 3 s start, bench/README.md). Types are checked by `npm test` (tsc --noEmit).
// Plain JavaScript: it runs before anything is built.
const { existsSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.built');

/** The newest modification time under a directory (files only). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(__filename).mtimeMs, statSync(join(root, 'package-lock.json')).mtimeMs);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  process.stderr.write('Building dist/ from src/ (once after each change)…\n');
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  require('esbuild').buildSync({
    absWorkingDir: root,
    // The worker beside the entry points: src/store/db.ts starts it from the entry's own directory.
    entryPoints: [
      { in: 'src/main.ts', out: 'main' },
      { in: 'src/import/cli.ts', out: 'import' },
      { in: 'src/store/pgliteWorker.ts', out: 'pgliteWorker' },
    ],
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // PGlite finds its WebAssembly and data files beside its own module; the other two are optional
    // native modules their packages try to load and do without (pg-native, restify's DTrace probes).
    external: ['@electric-sql/pglite', 'pg-native', 'dtrace-provider'],
    logLevel: 'error',
  });
  writeFileSync(stamp, new Date().toISOString());
}
