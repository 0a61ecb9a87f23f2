import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's root (where package.json is), found from this file wherever it runs: `src/` under
 * tsx, or `dist/` built into one file per entry point. The card templates, the migrations and the
 * version are read from there.
 */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json in ${from} or above it`);
  }
}
