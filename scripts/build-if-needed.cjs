// npm start runs this first: it builds dist/ from src/ with tsc when there is no build or a source
// file changed since the last one, so that the service itself starts with plain node (no compiling
// TypeScript at every start). Plain JavaScript: it runs before anything is built.
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
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

const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'tsconfig.build.json')).mtimeMs);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  process.stderr.write('Building dist/ from src/ (once after each change)…\n');
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  // The migrations are SQL files beside the code that applies them.
  cpSync(join(root, 'src', 'store', 'migrations'), join(root, 'dist', 'store', 'migrations'), { recursive: true, filter: (path) => !path.endsWith('.ts') });
  writeFileSync(stamp, new Date().toISOString());
}
