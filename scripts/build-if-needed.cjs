// npm start runs this first: it builds dist/ from src/ with tsc when there is no build or a source
// file changed since the last one, so that the service itself starts with plain node (no compiling
// TypeScript at every start); then it bundles the service and the libraries it loads at every start
// into one file, dist/service.js (see `bundle` below). Plain JavaScript: it runs before anything is built.
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

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

/**
 * Left to node_modules (not in the bundle): libraries the service loads only when first needed
 * (card templating, iCalendar, node-postgres, the Graph client, the bank holidays' rules), and those
 * that find files of their own beside their code at run time (PGlite's WebAssembly, pino's
 * transports, restify's optional DTrace binding; tsx for running from the sources).
 */
const EXTERNAL = [
  'adaptivecards-templating', 'adaptive-expressions', 'ics', 'pg', 'pg-copy-streams', '@microsoft/microsoft-graph-client', 'date-holidays',
  '@electric-sql/pglite', 'pino', 'dtrace-provider', 'tsx',
];

/**
 * dist/service.js: src/service.ts with what it loads at every start, in one file (issue 13, part 3).
 * Loading some 1,200 files one by one (resolving each name, reading each file, compiling each
 * wrapper) was about a third of a restart; one file, without its comments and blank space, took a
 * restart from about 2.07 to 1.72 s (bench/README.md). Names are kept (stack traces and logged
 * errors read as before), and `linked` source maps point back to dist/ and node_modules for `node
 * --enable-source-maps`. The built modules' `__dirname` and `__filename` still name their own
 * place in dist/ (the migrations, the PGlite worker, the cards and the install's cache are found
 * from them), written relative to the bundle's own so that the install can move.
 */
function bundle() {
  const dist = join(root, 'dist');
  const ownPlace = {
    name: 'own-place',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist + '/')) return undefined;
        const place = (path) => `require("node:path").join(__dirname, ${JSON.stringify(relative(dist, path))})`;
        const contents = readFileSync(args.path, 'utf8').replace(/\b__dirname\b/g, place(dirname(args.path))).replace(/\b__filename\b/g, place(args.path));
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
  return require('esbuild').build({
    entryPoints: [join(dist, 'service.js')],
    outfile: join(dist, 'service.js'),
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    external: EXTERNAL,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [ownPlace],
  });
}

// A changed library (npm ci, npm install) changes the bundle as much as a changed source.
const installed = [join(root, 'package-lock.json'), join(root, 'node_modules', '.package-lock.json')].filter((file) => existsSync(file));
const sources = Math.max(newest(join(root, 'src')), ...[join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'), __filename, ...installed].map((file) => statSync(file).mtimeMs));
if (process.argv[2] === '--bundle' && require.main === module) {
  // esbuild's plugins run only in its asynchronous build, which a preload cannot wait for: the
  // check below runs this file again, as a process of its own, to bundle.
  bundle().catch((error) => {
    process.stderr.write(`Could not bundle dist/service.js: ${error.message}\n`);
    process.exit(1);
  });
} else if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  process.stderr.write('Building dist/ from src/ (once after each change)…\n');
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  // The migrations are SQL files beside the code that applies them.
  cpSync(join(root, 'src', 'store', 'migrations'), join(root, 'dist', 'store', 'migrations'), { recursive: true, filter: (path) => !path.endsWith('.ts') });
  execFileSync(process.execPath, [__filename, '--bundle'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString());
}
