import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { stopPostgres } from '../test/support/postgres';

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

/**
 * A benchmark measured once per database: its printed lines kept under `bench`, `heading` printed
 * first, `run` for each driver in turn, then the shared PostgreSQL server stopped. A failure is
 * printed and the process exits 1 (an unhandled rejection would leave PostgreSQL running).
 */
export function runPerDriver<Driver extends string>(bench: string, drivers: readonly Driver[], run: (driver: Driver) => Promise<void>, heading?: string): void {
  keepPrinted(bench);
  void (async () => {
    if (heading) console.log(heading);
    for (const driver of drivers) await run(driver);
    await stopPostgres();
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

/** The databases a benchmark runs on, from an environment variable's comma list; anything else stops it (exit 2) before it starts. */
export function driversFrom(variable: string, fallback = 'pglite,postgres'): ('pglite' | 'postgres')[] {
  const drivers = (process.env[variable] ?? fallback).split(',').map((driver) => driver.trim());
  const unknown = drivers.filter((driver) => driver !== 'pglite' && driver !== 'postgres');
  if (unknown.length > 0) {
    console.error(`${variable} lists ${unknown.map((driver) => `"${driver}"`).join(', ')}: give pglite, postgres or both, separated by a comma.`);
    process.exit(2);
  }
  return drivers as ('pglite' | 'postgres')[];
}
