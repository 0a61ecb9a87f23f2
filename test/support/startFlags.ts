import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The V8 flags `npm start` runs the service with (package.json's start script), so that a test or
 * a bench runs it with the heap it has in production. A start script of another shape is an error,
 * not an empty list: measuring without the flags would pass for measuring with them.
 */
export function npmStartFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /node ((?:--\S+ )*)dist\/main\.js/.exec(start)?.[1];
  if (flags === undefined) throw new Error(`package.json's start script no longer runs node with flags on dist/main.js: ${start}`);
  return flags.split(' ').filter(Boolean);
}
