import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This install's cache, `node_modules/.cache/missing-huddle`: what a start makes once and a later one
 * on the same install reads instead of making again (PGlite's kept directories, the computed bank
 * holidays). It holds nothing of any service's data and may be deleted at any time.
 */
export const INSTALL_CACHE = join(__dirname, '..', '..', 'node_modules', '.cache', 'missing-huddle');

/**
 * Writes `data` to `file` whole: under another name first, then renamed, so that a reader never
 * sees half of it. If the write fails the partial file is removed and the failure thrown.
 */
export function writeWhole(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch (error) {
    if (existsSync(partial)) rmSync(partial);
    throw error;
  }
}
