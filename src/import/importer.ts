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

class Rejected extends Error {}

/** Applies one row with the same use cases as the API; answers what happened to it. */
async function applyRow(tx: Queryable, row: ImportRow, ctx: RecordingContext): Promise<'created' | 'updated' | 'unchanged'> {
  const reported = await reportMissing(
    tx,
    {
      child: { ...row.child, placementInArea: null, school: null },
      kind: row.kind,
      reportedAt: row.reportedAt,
      riskGrade: row.riskGrade,
      policeRef: row.policeRef,
      lastSeen: null,
      exploitationConcerns: [],
    },
    ctx,
  );
  let episode = reported.value;
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
      },
      ctx,
    );
    changed ||= JSON.stringify(rhi.value) !== before;
  }
  return reported.created ? 'created' : changed ? 'updated' : 'unchanged';
}

async function applyRows(db: Database, rows: ImportRow[], ctx: RecordingContext, options: ImportOptions, summary: ImportSummary): Promise<void> {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  try {
    await db.transaction(async (tx) => {
      for (const [index, row] of rows.entries()) {
        try {
          counts[await withSavepoint(tx, () => applyRow(tx, row, ctx))]++;
        } catch (error) {
          if (!isDomainError(error)) throw error;
          const details = error.problems.map((problem) => `${problem.path} ${problem.message}`).join('; ');
          summary.problems.push({ line: row.line, column: error.problems[0]?.path ?? '', message: details ? `${error.message} (${details})` : error.message });
        }
        options.onProgress?.(index + 1, rows.length);
      }
      if (summary.problems.length > 0 && !options.skipInvalid) throw new Rejected();
    });
    Object.assign(summary, counts);
  } catch (error) {
    if (!(error instanceof Rejected)) throw error;
    summary.rejected = true;
  }
}

/**
 * Imports a CSV of episodes in one transaction. A file with bad rows is rejected whole, with every
 * bad row and why, unless `skipInvalid`: then the good rows land and the bad ones are reported.
 * Importing the same file again changes nothing.
 */
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
