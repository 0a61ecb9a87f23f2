import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** What an npm script (`[… && ]NAME=value … node --flag … dist/x.js`) runs its last command with. */
export interface NpmNodeCommand {
  /** The environment it sets for node's process (glibc's malloc settings), as name → value. */
  env: Record<string, string>;
  /**
   * node's V8 flags, without the up-to-date check `npm start` preloads (`--require=./scripts/build-if-needed.cjs`):
   * tests and benches build once before they start anything, never in each process they start.
   */
  flags: string[];
  /** The script node runs, absolute. */
  script: string;
}

/**
 * How package.json's `name` script (of the checkout at `root`) runs node, so that a test or a bench runs the service (or the
 * import) with the heap and environment it has in production. A script of another shape is an
 * error, not an empty list: measuring without the flags would pass for measuring with them.
 */
export function npmNodeCommand(name: string, root = ROOT): NpmNodeCommand {
  const line = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[name] ?? '';
  const parts = /^(?:.* && )?((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)(dist\/\S+\.js)$/.exec(line);
  if (!parts) throw new Error(`package.json's ${name} script no longer runs node with flags on a built dist/ script: ${line}`);
  const words = (text: string) => text.split(' ').filter(Boolean);
  return {
    env: Object.fromEntries(words(parts[1]!).map((pair) => pair.split('=', 2) as [string, string])),
    flags: words(parts[2]!).filter((flag) => !flag.includes('build-if-needed')),
    script: join(root, parts[3]!),
  };
}
