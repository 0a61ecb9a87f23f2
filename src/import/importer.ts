import { isDomainError } from '../domain/errors';
import { withSavepoint, type Database, type Queryable } from '../store/db';
import { audit, findRhiByExternalRef } from '../store/repositories';
import { createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import { parseEpisodesCsv, type CsvFormat, type ImportRow, type RowProblem } from './csvRows';

export interface ImportSummary {
  format: CsvFormat;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  /** True when nothing was stored because some rows were bad (and skipInvalid was off). */
  rejected: boolean;
  problems: RowProblem[];
}

export interface ImportOptions {
  skipInvalid: boolean;
  timeZone: string;
  onProgress?: (done: number, total: number) => void;
}

/** Applies one row with the same use cases as the API; answers what happened to it. */
async function applyRow(tx: Queryable, row: ImportRow, ctx: RecordingContext, lines: Map<string, number>): Promise<'created' | 'updated' | 'unchanged'> {
  // The row's whole interval (report and return) is checked at once: rows may come in any order.
  const reported = await reportMissing(
    tx,
    {
      child: { ...row.child, placementInArea: null, school: null, socialWorkerEmail: null },
      kind: row.kind,
      reportedAt: row.reportedAt,
      riskGrade: row.riskGrade,
      policeRef: row.policeRef,
      lastSeen: null,
      exploitationConcerns: [],
    },
    ctx,
    { returnedAt: row.returnedAt },
  );
  let episode = reported.value;
  lines.set(episode.id, row.line);
  let changed = false;
  if (row.returnedAt && episode.returnedAt?.getTime() !== row.returnedAt.getTime()) {
    episode = await recordReturn(tx, episode.id, { returnedAt: row.returnedAt, safeAndWellCheck: null }, ctx);
    changed = true;
  }
  if (row.rhi) {
    const before = JSON.stringify(await findRhiByExternalRef(tx, row.rhi.ref));
    const rhi = await createRhi(
      tx,
      {
        ref: row.rhi.ref,
        episodeIds: [episode.id],
        offeredAt: row.rhi.offeredAt ?? undefined,
        outcome: row.rhi.outcome ?? undefined,
        completedAt: row.rhi.completedAt ?? undefined,
        provider: row.rhi.provider ?? undefined,
      },
      ctx,
    );
    changed ||= JSON.stringify(rhi.value) !== before;
  }
  return reported.created ? 'created' : changed ? 'updated' : 'unchanged';
}

/** Rows applied in one transaction: between chunks the database is free for everyone else. */
export const CHUNK_ROWS = 20;

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The rows in chunks of about CHUNK_ROWS, a child's rows always in one chunk (its episodes must not
 * overlap, and one RHI may cover several of them), in file order otherwise.
 */
export function chunksByChild(rows: ImportRow[], size = CHUNK_ROWS): ImportRow[][] {
  const byChild = new Map<string, ImportRow[]>();
  for (const row of rows) {
    const group = byChild.get(row.child.ref);
    if (group) group.push(row);
    else byChild.set(row.child.ref, [row]);
  }
  const chunks: ImportRow[][] = [];
  let chunk: ImportRow[] = [];
  for (const group of byChild.values()) {
    if (chunk.length > 0 && chunk.length + group.length > size) {
      chunks.push(chunk);
      chunk = [];
    }
    chunk.push(...group);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

class RolledBack extends Error {}

/** Applies one chunk in its own transaction; `rehearse` rolls it back after (only its problems are kept). */
async function applyChunk(db: Database, chunk: ImportRow[], ctx: RecordingContext, summary: ImportSummary, rehearse: boolean, onRow: () => void): Promise<Record<'created' | 'updated' | 'unchanged', number>> {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  // The episodes this file's rows made, by the line they came from (a child's rows share a chunk).
  const lines = new Map<string, number>();
  try {
    await db.transaction(async (tx) => {
      for (const row of chunk) {
        try {
          counts[await withSavepoint(tx, () => applyRow(tx, row, ctx, lines))]++;
        } catch (error) {
          if (!isDomainError(error)) throw error;
          // Each problem is a sentence of its own, named by the file's column rather than the API's field.
          const problems = error.problems.length > 0 ? error.problems : [{ path: '', message: error.message }];
          for (const problem of problems) {
            const other = problem.otherId ? lines.get(problem.otherId) : undefined;
            const message = other ? `${problem.message.replace(/\.$/, '')} (line ${other} of this file).` : problem.message;
            summary.problems.push({ line: row.line, column: COLUMN_OF_FIELD[problem.path] ?? problem.path, message });
          }
        }
        onRow();
      }
      if (rehearse) throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return counts;
}

/**
 * Applies the rows chunk by chunk, each chunk in its own transaction, yielding between chunks so
 * that an import never holds the database (on PGlite, the only connection) for long. When every row
 * must be good, a rehearsal (each chunk rolled back) finds every bad row first and nothing is stored.
 */
async function applyRows(db: Database, rows: ImportRow[], ctx: RecordingContext, options: ImportOptions, summary: ImportSummary): Promise<void> {
  const chunks = chunksByChild(rows);
  const passes = options.skipInvalid ? 1 : 2;
  let done = 0;
  const progress = () => options.onProgress?.(++done, rows.length * passes);
  if (!options.skipInvalid) {
    for (const chunk of chunks) {
      await applyChunk(db, chunk, ctx, summary, true, progress);
      await yieldToOthers();
    }
    if (summary.problems.length > 0) {
      summary.rejected = true;
      return;
    }
  }
  for (const chunk of chunks) {
    const counts = await applyChunk(db, chunk, ctx, summary, false, progress);
    summary.created += counts.created;
    summary.updated += counts.updated;
    summary.unchanged += counts.unchanged;
    await yieldToOthers();
  }
}

/**
 * Imports a CSV of episodes. A file with bad rows is rejected whole, with every bad row and why,
 * unless `skipInvalid`: then the good rows land and the bad ones are reported. Importing the same
 * file again changes nothing. A row that a change made between the rehearsal and the import turns
 * bad (a rare race) is reported, and the rows before it stay imported.
 */
/** The file's column for a field a domain refusal names. */
const COLUMN_OF_FIELD: Record<string, string> = {
  'child.dateOfBirth': 'date_of_birth',
  kind: 'episode_kind',
  reportedAt: 'reported_at',
  returnedAt: 'returned_at',
  policeRef: 'police_ref',
  offeredAt: 'rhi_offered_at',
  outcome: 'rhi_outcome',
  completedAt: 'rhi_completed_at',
  provider: 'rhi_provider',
  episodeIds: 'rhi_ref',
};

export async function importEpisodesCsv(db: Database, text: string, ctx: RecordingContext, options: ImportOptions): Promise<ImportSummary> {
  const parsed = parseEpisodesCsv(text, options.timeZone);
  const total = parsed.rows.length + new Set(parsed.problems.map((problem) => problem.line)).size;
  const summary: ImportSummary = { format: parsed.format, rows: total, created: 0, updated: 0, unchanged: 0, invalid: 0, rejected: false, problems: [...parsed.problems] };
  if (parsed.problems.length > 0 && !options.skipInvalid) summary.rejected = true;
  else await applyRows(db, parsed.rows, ctx, options, summary);
  summary.problems.sort((a, b) => a.line - b.line);
  summary.invalid = new Set(summary.problems.map((problem) => problem.line)).size;
  await audit(db, {
    actor: ctx.actor.name,
    actorKind: ctx.actor.kind,
    action: summary.rejected ? 'import.rejected' : 'import.completed',
    subjectType: 'import',
    details: { format: summary.format, rows: summary.rows, created: summary.created, updated: summary.updated, unchanged: summary.unchanged, invalid: summary.invalid },
  });
  return summary;
}
