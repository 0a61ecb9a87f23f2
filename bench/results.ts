import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Where every benchmark's last figures are kept (git-ignored): one entry per benchmark, replaced by its next run. */
export const RESULTS_FILE = join(__dirname, 'results.json');

/** Records a benchmark's figures with when and where they were measured. */
export function recordResults(bench: string, figures: unknown): void {
  const all = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>) : {};
  all[bench] = { at: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version }, figures };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

/**
 * For a benchmark that prints its figures as lines: keeps every line it prints from here on and
 * records them (as its figures) when the process exits, successfully or not.
 */
export function keepPrinted(bench: string): void {
  const lines: string[] = [];
  const print = console.log.bind(console);
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
    print(...args);
  };
  process.on('exit', (code) => recordResults(bench, { exitCode: code, lines }));
}
