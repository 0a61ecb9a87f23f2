import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { SingleBar, Presets } from 'cli-progress';
import { runCli } from '../app/cli';
import { loadConfig, loadDotEnv } from '../config';
import { openDatabase, type Database } from '../store/db';
import { migrate } from '../store/migrate';
import { CsvFormatError } from './csvRows';
import { importEpisodesCsv, type ImportSummary } from './importer';

const USAGE = `Usage: npm run import -- FILE.csv [--skip-invalid]

Imports missing episodes from a CSV file into the database named by DATABASE_URL (or the embedded
one in DATA_DIR). Two formats, recognised by the header line:
  native   child_ref,given_name,family_name,date_of_birth,looked_after,placing_authority,episode_kind,
           reported_at,returned_at,risk_grade,police_ref,rhi_ref,rhi_offered_at,rhi_outcome,rhi_completed_at
  SSDA903  CHILD,DOB,MISSING,MIS_START,MIS_END   (dates dd/mm/yyyy; MISSING M or A)
A file with any bad row is not imported; every bad row is listed (the first 1,000 of them, and how
many in all). --skip-invalid imports the good rows and lists the rest. Importing the same file again
changes nothing. The file is read as it is imported, in one transaction: a file of any length needs
the same memory, and an import stopped half way stores nothing.`;

export function describeSummary(summary: ImportSummary): string {
  const lines = [
    summary.rejected
      ? `Not imported: ${summary.invalid} of ${summary.rows} rows are not valid (nothing was stored). Correct them, or run again with --skip-invalid.`
      : `Imported ${summary.rows - summary.invalid} of ${summary.rows} rows (${summary.format}): ${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.invalid} skipped as invalid.`,
    ...summary.problems.map((problem) => `  line ${problem.line}${problem.column ? ` ${problem.column}` : ''}: ${problem.message}`),
  ];
  return lines.join('\n');
}

/** How long the rows took (the database opened and migrated before): the figure `bench:import` reads. */
export function describeTime(rows: number, seconds: number): string {
  const rate = seconds > 0 ? Math.round(rows / seconds) : rows;
  return `Read and checked ${rows.toLocaleString('en-GB')} rows in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-GB')} rows a second).`;
}

/**
 * How long one statement of `npm run import` may take (on PostgreSQL; the server cancels it too).
 * Not the service's `DB_QUERY_TIMEOUT_MS` (5 s by default, for a card tap): the file's audit at the
 * end reads every line of the file, and at a million rows that took longer than 5 s, so the whole
 * import was rolled back after all its work. Still bounded: a server that stops answering fails the
 * import (nothing stored) rather than leaving it waiting for ever.
 */
export const IMPORT_QUERY_TIMEOUT_MS = 10 * 60_000;

/** The database `npm run import` writes to: the embedded one in a worker thread (the file is parsed and checked while it writes), or PostgreSQL with the import's own statement bound. */
export function openImportDatabase(config: { DATABASE_URL?: string; DATA_DIR: string }): Promise<Database> {
  return openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, pgliteInWorker: true, queryTimeoutMs: IMPORT_QUERY_TIMEOUT_MS });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'skip-invalid': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  loadDotEnv();
  const config = loadConfig();
  let size: number;
  try {
    size = statSync(positionals[0]!).size;
  } catch (error) {
    console.error(`Cannot read ${positionals[0]}: ${(error as Error).message}`);
    return 2;
  }
  const db = await openImportDatabase(config);
  // Progress by the bytes read: the file is read as it is imported, so its rows are not counted first.
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'Importing [{bar}] {percentage}% · {rows} rows read', stream: process.stderr }, Presets.shades_classic) : null;
  try {
    await migrate(db);
    bar?.start(size, 0, { rows: 0 });
    const started = performance.now();
    const summary = await importEpisodesCsv(
      db,
      createReadStream(positionals[0]!),
      { actor: { name: `csv:${positionals[0]}`, kind: 'import' }, now: new Date(), localAuthority: config.LOCAL_AUTHORITY, timeZone: config.TIMEZONE },
      {
        skipInvalid: values['skip-invalid'] ?? false,
        timeZone: config.TIMEZONE,
        onProgress: ({ rows, bytes }) => bar?.update(bytes, { rows }),
      },
    );
    bar?.stop();
    console.log(describeSummary(summary));
    console.log(describeTime(summary.rows, (performance.now() - started) / 1000));
    return summary.rejected ? 1 : 0;
  } catch (error) {
    bar?.stop();
    if (error instanceof CsvFormatError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

if (require.main === module) runCli(main, 'Import failed, nothing was stored');
