import { newId } from '../store/ids';
import { Readable } from 'node:stream';
import { isDomainError, type FieldProblem } from '../domain/errors';
import type { Child, ReturnInterview } from '../domain/types';
import { insertRows } from '../store/bulk';
import { withSavepoint, type Database, type Queryable } from '../store/db';
import * as repo from '../store/repositories';
import type { EpisodeSpan } from '../store/repositories';
import { bumpListVersion } from '../store/postedCards';
import { localDate } from '../domain/calendar';
import {
  assertChildInput,
  assertKindFits,
  assertNewEpisode,
  childChanges,
  createRhi,
  newEpisodeRecord,
  newRhiRecord,
  policeRefElsewhere,
  recordReturn,
  reportMissing,
  type NewEpisodeRecord,
  type RecordingContext,
} from '../recording/service';
import { loopTurns } from './loopTurns';
import { CsvFormatError, readEpisodes, type CsvFormat, type ImportRow, type RowProblem } from './csvRows';

/**
 * The CSV import. The file is read as it arrives and applied in batches: for each batch the
 * children, episodes and RHIs its rows name are read in a few statements, every row is checked with
 * the same domain rules as the API (the whole interval of each episode against the child's others,
 * so the order of rows never matters), and the new episodes, their history and RHIs are written in
 * a few statements; each child's audit entry is written once the file (or its chunk) is done. A row
 * that changes something already recorded (a return corrected, an RHI extended) goes through the
 * API's own use cases instead.
 */

export interface ImportSummary {
  format: CsvFormat;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  /** True when nothing was stored because some rows were bad (and skipInvalid was off). */
  rejected: boolean;
  /** The first MAX_PROBLEMS problems, by line; `invalid` counts every bad row. */
  problems: RowProblem[];
}

export interface ImportProgress {
  /** Rows read and checked so far. */
  rows: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

export interface ImportOptions {
  skipInvalid: boolean;
  timeZone: string;
  /**
   * Others need this database's only connection meanwhile (PGlite behind the running bot): the file
   * (bounded by the API) is applied in short transactions, a child's rows together, with a
   * rehearsal first when every row must be good. Otherwise the whole file is one transaction.
   */
  shareConnection?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * The longest the import reads and checks rows without giving the event loop a turn, so that its
   * database's answers are handled and its queued statements sent (`loopTurns`). Default
   * `TURN_EVERY_MS`; 0 turns at every chance.
   */
  turnEveryMs?: number;
}

/** How long the import works between turns of the event loop, by default (`loopTurns`): 1 ms gave the most rows a second of 1, 2 and 4 (bench/README.md, tenth session). */
export const TURN_EVERY_MS = 1;
/** Rows read or checked between two looks at the clock. */
const ROWS_BETWEEN_LOOKS = 64;

/** Rows checked and written together when the file is one transaction. */
export const BATCH_ROWS = 1_000;
/** Rows per transaction when others share the connection: each holds it for a few milliseconds. */
export const CHUNK_ROWS = 100;
/**
 * Rows an import sharing the connection (the service on the embedded database) takes. It keeps
 * every row until the file is read (chunks are by child, wherever the child's rows are), about
 * 0.9 KB of heap a row: the 100,000 rows a 20 MB file can hold came to 85 MiB, over half of
 * `npm start`'s 160 MB heap cap. A larger file goes through `npm run import`, which streams it
 * into one transaction at any size.
 */
export const SHARED_IMPORT_MAX_ROWS = 25_000;
/** Problems listed in a summary; `invalid` counts every bad row beyond them. */
export const MAX_PROBLEMS = 1_000;

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

class Rejected extends Error {}

/** The tally of one import: counts, and the problems of bad lines (bounded). */
class Tally {
  readonly summary: ImportSummary;
  constructor(format: CsvFormat) {
    this.summary = { format, rows: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, rejected: false, problems: [] };
  }

  count(outcome: 'created' | 'updated' | 'unchanged'): void {
    this.summary[outcome]++;
  }

  refuse(line: number, problems: RowProblem[]): void {
    this.summary.invalid++;
    const room = MAX_PROBLEMS - this.summary.problems.length;
    if (room > 0) this.summary.problems.push(...problems.slice(0, room));
  }

  /** Each problem of a domain refusal is a sentence of its own, named by the file's column rather than the API's field. */
  async refuseDomain(line: number, problems: FieldProblem[], lineOf: (episodeId: string) => Promise<number | undefined>): Promise<void> {
    const rows: RowProblem[] = [];
    for (const problem of problems) {
      const other = problem.otherId ? await lineOf(problem.otherId) : undefined;
      const message = other ? `${problem.message.replace(/\.$/, '')} (line ${other} of this file).` : problem.message;
      rows.push({ line, column: COLUMN_OF_FIELD[problem.path] ?? problem.path, message });
    }
    this.refuse(line, rows);
  }

  get anyInvalid(): boolean {
    return this.summary.invalid > 0;
  }
}

/** The lines of this file that made each episode: kept in the transaction, not in memory. */
const LINES_TABLE = 'import_lines';

/**
 * How the import's transaction plans its statements. A batch's lookups ask for a thousand keys at
 * once (`= any($1)`), and with history growing inside the transaction the planner has no
 * statistics for it, only the tables' sizes: it chose to read the whole of `return_interviews`,
 * `episodes` and `children` for each batch (5–37 ms a statement at 50,000–200,000 rows on
 * PostgreSQL 15, growing with every batch), where probing their unique indexes takes 1–4 ms at any
 * size. With sequential scans refused it went round them: it joined a batch's children to their
 * episodes by reading a whole index (a hash join over `episodes_pkey` on PGlite, 1.4 s a batch at a
 * million rows; a parallel scan of `children_pkey` on PostgreSQL, 80–115 ms), three quarters of a
 * million-row import. So no hash or merge joins either (each lookup is a probe per key) and no
 * parallel workers (a lookup is too small to share). A table with no index for a statement is still
 * read whole: this only makes reading whole the last resort. Without JIT: PostgreSQL compiled each
 * lookup (5–7 ms, more than the lookup itself) because its estimate of the RHIs' episode lists
 * crossed `jit_above_cost`. `READ_WHOLE` undoes it for the one statement that reads every line.
 */
export const BY_INDEX =
  'set local enable_seqscan = off; set local enable_hashjoin = off; set local enable_mergejoin = off; set local max_parallel_workers_per_gather = 0; set local jit = off';
/** `BY_INDEX` undone for the file's audit (`auditFile`), which reads every line: read whole and joined whole, not probed a row at a time. */
const READ_WHOLE = 'set local enable_seqscan = on; set local enable_hashjoin = on; set local enable_mergejoin = on';

/**
 * How a batch's own writes are checked. Every reference they carry is to a row the same batch
 * writes first (a new child, episode or RHI) or to a child its lookup locked (`for update`), and
 * nothing deletes children, episodes or RHIs; so the references are checked once, in memory,
 * against the batch (`assertOwnReferences`), and where the connection may (a superuser: always
 * on PGlite) the batch's rows go in with the database's per-row foreign-key triggers off
 * (`session_replication_role = replica`, what `pg_restore --disable-triggers` does), on again
 * straight after. Each of those triggers looks its parent up and locks it, writing a record to
 * the WAL: five a row, about a tenth of a PGlite import. Everything else in the transaction (the
 * use cases that change recorded episodes, the audit) is checked by the database as always.
 */
type OwnWrites = 'unchecked by triggers' | 'checked by triggers';
const TRIGGERS_OFF = 'set local session_replication_role = replica';
const TRIGGERS_ON = 'set local session_replication_role = origin';

async function startLines(tx: Queryable): Promise<OwnWrites> {
  await tx.exec(BY_INDEX);
  // `created`: the episode is new and this import's own (its child's audit entry counts it at the end).
  await tx.query(`create temp table if not exists ${LINES_TABLE} (episode_id uuid primary key, line int not null, created boolean not null default false) on commit drop`);
  const [may] = await tx.query<{ superuser: boolean }>(`select current_setting('is_superuser') = 'on' as superuser`);
  return may?.superuser ? 'unchecked by triggers' : 'checked by triggers';
}

/** A batch's new rows as far as their references go. */
export interface OwnRows {
  /** Every child the rows may name (`Plan.childIds`, which holds the batch's new children too). */
  childIds: readonly string[];
  fresh: readonly { episode: { id: string; childId: string }; history: readonly { episodeId: string }[] }[];
  rhis: readonly { rhi: { childId: string; episodeIds: readonly string[] } }[];
}

/**
 * The foreign keys of a batch's new rows, checked against what the batch may reference: the
 * children its checks knew (locked, or made by this import) and the episodes and RHIs it makes.
 * A failure is a fault in the import, not in the file: it fails the whole import.
 */
export function assertOwnReferences(plan: OwnRows): void {
  const children = new Set(plan.childIds);
  const episodes = new Set(plan.fresh.map((item) => item.episode.id));
  const fault = (what: string) => {
    throw new Error(`The import stopped at a fault of its own (${what}): this batch's rows were not written.`);
  };
  for (const { episode, history } of plan.fresh) {
    if (!children.has(episode.childId)) fault(`a new episode names a child the batch did not look up or make, ${episode.childId}`);
    for (const entry of history) if (entry.episodeId !== episode.id) fault(`an episode's history names another episode, ${entry.episodeId}`);
  }
  for (const { rhi } of plan.rhis) {
    if (!children.has(rhi.childId)) fault(`a new RHI names a child the batch did not look up or make, ${rhi.childId}`);
    for (const id of rhi.episodeIds) if (!episodes.has(id)) fault(`a new RHI names an episode the batch did not make, ${id}`);
  }
}

async function linesOf(tx: Queryable, episodeIds: readonly string[]): Promise<Map<string, number>> {
  if (episodeIds.length === 0) return new Map();
  const rows = await tx.query<{ episode_id: string; line: number }>(`select episode_id, line from ${LINES_TABLE} where episode_id = any($1::uuid[])`, [episodeIds]);
  return new Map(rows.map((row) => [row.episode_id, row.line]));
}

const childInput = (row: ImportRow) => ({ ...row.child, placementInArea: null, school: null, socialWorkerEmail: null });

const reportInput = (row: ImportRow) => ({
  child: childInput(row),
  kind: row.kind,
  reportedAt: row.reportedAt,
  riskGrade: row.riskGrade,
  policeRef: row.policeRef,
  lastSeen: null,
  exploitationConcerns: [],
});

const rhiInput = (row: ImportRow, episodeId: string) => ({
  ref: row.rhi!.ref,
  episodeIds: [episodeId],
  offeredAt: row.rhi!.offeredAt ?? undefined,
  outcome: row.rhi!.outcome ?? undefined,
  completedAt: row.rhi!.completedAt ?? undefined,
  provider: row.rhi!.provider ?? undefined,
});

/** Whether a row naming an episode already recorded would change it (a row's empty cell changes nothing). */
function rowChanges(existing: EpisodeSpan, row: ImportRow, rhi: ReturnInterview | undefined): boolean {
  if (row.returnedAt && existing.returnedAt?.getTime() !== row.returnedAt.getTime()) return true;
  if (!row.rhi) return false;
  if (!rhi || !rhi.episodeIds.includes(existing.id)) return true;
  const same = (given: Date | string | null, stored: Date | string | null) => given === null || String(given instanceof Date ? given.getTime() : given) === String(stored instanceof Date ? stored.getTime() : stored);
  return !(same(row.rhi.offeredAt, rhi.offeredAt) && same(row.rhi.outcome, rhi.outcome) && same(row.rhi.completedAt, rhi.completedAt) && same(row.rhi.provider, rhi.provider));
}

/** A row that changes what is recorded, through the API's own use cases; answers its episode. */
async function applyChange(tx: Queryable, row: ImportRow, ctx: RecordingContext): Promise<{ outcome: 'created' | 'updated' | 'unchanged'; episodeId: string }> {
  const reported = await reportMissing(tx, reportInput(row), ctx, { returnedAt: row.returnedAt });
  let episode = reported.value;
  let changed = false;
  if (row.returnedAt && episode.returnedAt?.getTime() !== row.returnedAt.getTime()) {
    episode = await recordReturn(tx, episode.id, { returnedAt: row.returnedAt, safeAndWellCheck: null }, ctx);
    changed = true;
  }
  if (row.rhi) {
    const before = JSON.stringify(await repo.findRhiByExternalRef(tx, row.rhi.ref));
    const rhi = await createRhi(tx, rhiInput(row, episode.id), ctx);
    changed ||= JSON.stringify(rhi.value) !== before;
  }
  return { outcome: reported.created ? 'created' : changed ? 'updated' : 'unchanged', episodeId: episode.id };
}

/** What a batch's checks read: its children (locked), the spans of their episodes and of those with its police references, and the RHIs it names. */
interface Known {
  children: Child[];
  spans: EpisodeSpan[];
  rhis: ReturnInterview[];
}

/** What a batch made, kept for the next batch's checks while its writes may still be on their way. */
interface Made {
  children: Child[];
  spans: EpisodeSpan[];
  rhis: ReturnInterview[];
}

/** Children an import made, kept to spare later batches' lookups: at most this many (the oldest go first). */
export const KEPT_CHILDREN = 5_000;

/**
 * The children this import made (in this transaction) and the spans of all their episodes, up to
 * `KEPT_CHILDREN` of them. An unsorted file names a child again batches later (each of a child's
 * episodes is a row of its own, in date order across the file); a later batch reads a kept child
 * from here instead of looking it up, locking it and reading its episodes: nobody else can see
 * the child before the import commits, and every episode it has came from this import's batches.
 * The use cases that change recorded episodes and children may change these too, so a batch with
 * such rows empties this (`forget`). About 1 KB a child. A file whose children come back further
 * apart than the bound (a million rows of 250,000 children) would only pay for it: once the bound
 * is reached and a batch finds none of its children here, it stops keeping any.
 */
export class KeptChildren {
  private readonly children = new Map<string, { child: Child; spans: EpisodeSpan[] }>();
  private readonly byId = new Map<string, { child: Child; spans: EpisodeSpan[] }>();
  private stopped = false;
  constructor(private readonly most = KEPT_CHILDREN) {}

  /** What a batch made: its new children, and the new episodes of any kept child. */
  keep(made: Made): void {
    if (this.stopped) return;
    for (const child of made.children) {
      const entry = { child, spans: [] };
      this.children.set(child.ref, entry);
      this.byId.set(child.id, entry);
    }
    for (const { id, childId, reportedAt, returnedAt, policeRef } of made.spans) this.byId.get(childId)?.spans.push({ id, childId, reportedAt, returnedAt, policeRef });
    for (const [ref, entry] of this.children) {
      if (this.children.size <= this.most) break;
      this.children.delete(ref);
      this.byId.delete(entry.child.id);
    }
  }

  forget(): void {
    this.children.clear();
    this.byId.clear();
  }

  /** The kept children among these references, and their episodes' spans (copied: later batches add to them). */
  find(refs: readonly string[]): { children: Child[]; spans: EpisodeSpan[] } {
    const children: Child[] = [];
    const spans: EpisodeSpan[] = [];
    for (const ref of refs) {
      const entry = this.children.get(ref);
      if (!entry) continue;
      children.push(entry.child);
      spans.push(...entry.spans);
    }
    if (children.length === 0 && refs.length > 0 && this.children.size >= this.most) {
      this.stopped = true;
      this.forget();
    }
    return { children, spans };
  }

  get size(): number {
    return this.children.size;
  }
}

/**
 * Asks what a batch's checks read, the three statements together: each is sent before the answer
 * to the last, so on a connection that keeps their order they are asked in one go. Children the
 * import made and keeps (`kept`) are read from memory, as they are at the moment of asking; the
 * episodes with the batch's police references are always asked, whoever's they are.
 */
function lookUp(tx: Queryable, rows: readonly ImportRow[], kept?: KeptChildren): Promise<Known> {
  const refs = [...new Set(rows.map((row) => row.child.ref))];
  const policeRefs = rows.flatMap((row) => (row.policeRef ? [row.policeRef] : []));
  const rhiRefs = [...new Set(rows.flatMap((row) => (row.rhi ? [row.rhi.ref] : [])))];
  const inMemory = kept?.find(refs) ?? { children: [], spans: [] };
  const inMemoryRefs = new Set(inMemory.children.map((child) => child.ref));
  const asked = inMemoryRefs.size > 0 ? refs.filter((ref) => !inMemoryRefs.has(ref)) : refs;
  const known = Promise.all([repo.lockChildrenByRef(tx, asked), repo.episodeSpansOfChildRefsOrPoliceRefs(tx, asked, policeRefs), repo.rhisByExternalRef(tx, rhiRefs)]).then(
    ([children, spans, rhis]) => ({ children: children.concat(inMemory.children), spans: spans.concat(inMemory.spans), rhis }),
  );
  // Asked ahead, it may never be awaited (the import failed meanwhile): not an unhandled rejection.
  known.catch(() => undefined);
  return known;
}

/** A batch's decisions: what to write together, and the rows that change something recorded (through the use cases, after). */
interface Plan {
  /** New children with new episodes. */
  children: Child[];
  /** Every child the batch's new rows may name: those its lookup locked, those this import made (in this batch or an earlier one). */
  childIds: string[];
  /** The case reference of each child with a new episode (new or already recorded): its audit entry names it. */
  refs: Map<string, string>;
  fresh: NewEpisodeRecord[];
  rhis: { rhi: ReturnInterview }[];
  lines: Map<string, number>;
  changes: ImportRow[];
  made: Made;
}

/**
 * Checks one batch of good rows against what is recorded (`known`) and what the previous batch
 * made (`previous`: a lookup asked before its writes were done does not see them), counting and
 * refusing rows in the tally. Nothing is written here.
 */
async function decide(tx: Queryable, rows: readonly ImportRow[], known: Known, previous: Made | undefined, ctx: RecordingContext, tally: Tally, turn: () => Promise<void>): Promise<Plan> {
  const children = new Map(known.children.map((child) => [child.ref, child]));
  const batchRefs = new Set(rows.map((row) => row.child.ref));
  for (const child of previous?.children ?? []) if (batchRefs.has(child.ref) && !children.has(child.ref)) children.set(child.ref, child);
  const spans = new Map(known.spans.map((span) => [span.id, span]));
  for (const span of previous?.spans ?? []) if (!spans.has(span.id)) spans.set(span.id, span);
  const byChild = new Map<string, EpisodeSpan[]>();
  const byPoliceRef = new Map<string, EpisodeSpan>();
  for (const episode of spans.values()) {
    const own = byChild.get(episode.childId);
    if (own) own.push(episode);
    else byChild.set(episode.childId, [episode]);
    if (episode.policeRef) byPoliceRef.set(episode.policeRef, episode);
  }
  const rhis = new Map(known.rhis.map((rhi) => [rhi.externalRef!, rhi]));
  for (const rhi of previous?.rhis ?? []) if (!rhis.has(rhi.externalRef!)) rhis.set(rhi.externalRef!, rhi);
  // The lines of the episodes these rows repeat (by police reference or report time): a repeat in
  // this file is named by its line. Other episodes' lines are read only if a refusal names them.
  const repeated = rows.flatMap((row) => {
    const child = children.get(row.child.ref);
    const byRef = row.policeRef ? byPoliceRef.get(row.policeRef) : undefined;
    const byTime = child && byChild.get(child.id)?.find((episode) => episode.reportedAt.getTime() === row.reportedAt.getTime());
    return [byRef?.id, byTime?.id].filter((id): id is string => id !== undefined);
  });
  const lines = await linesOf(tx, [...new Set(repeated)]);
  const lineOf = async (episodeId: string) => lines.get(episodeId) ?? (await linesOf(tx, [episodeId])).get(episodeId);

  const fresh: NewEpisodeRecord[] = [];
  const freshRhis: { rhi: ReturnInterview }[] = [];
  const newChildren = new Map<string, Child>();
  const rhiRefsTaken = new Set(rhis.keys());
  const changes: ImportRow[] = [];
  let checked = 0;
  for (const row of rows) {
    if (++checked % ROWS_BETWEEN_LOOKS === 0) await turn();
    try {
      assertChildInput(row.child, ctx.now);
      let child = children.get(row.child.ref);
      if (child && Object.keys(childChanges(child, childInput(row))).length > 0) {
        changes.push(row);
        continue;
      }
      if (!child) {
        child = { id: newId(), ...childInput(row) };
        children.set(child.ref, child);
        newChildren.set(child.id, child);
      }
      assertKindFits(row.kind, child);
      const own = byChild.get(child.id) ?? [];
      const existing = (row.policeRef ? byPoliceRef.get(row.policeRef) : undefined) ?? own.find((episode) => episode.reportedAt.getTime() === row.reportedAt.getTime());
      if (existing) {
        const line = lines.get(existing.id);
        if (line !== undefined) tally.refuse(row.line, [{ line: row.line, column: row.policeRef ? 'police_ref' : 'reported_at', message: `repeats the episode on line ${line}` }]);
        else if (existing.childId !== child.id) await tally.refuseDomain(row.line, [policeRefElsewhere(row.policeRef)], lineOf);
        else if (rowChanges(existing, row, row.rhi ? rhis.get(row.rhi.ref) : undefined)) changes.push(row);
        else tally.count('unchanged');
        continue;
      }
      assertNewEpisode(row.reportedAt, row.returnedAt, own, ctx);
      // An RHI already recorded, or named by an earlier row, is extended by the use case.
      if (row.rhi && rhiRefsTaken.has(row.rhi.ref)) {
        changes.push(row);
        continue;
      }
      const made = newEpisodeRecord(child, { kind: row.kind, reportedAt: row.reportedAt, policeRef: row.policeRef, riskGrade: row.riskGrade, lastSeen: null, exploitationConcerns: [] }, row.returnedAt, ctx);
      if (row.rhi) {
        freshRhis.push({ rhi: newRhiRecord(rhiInput(row, made.episode.id), [made.episode], ctx) });
        rhiRefsTaken.add(row.rhi.ref);
      }
      if (own.length === 0) byChild.set(child.id, own);
      own.push(made.episode);
      if (row.policeRef) byPoliceRef.set(row.policeRef, made.episode);
      lines.set(made.episode.id, row.line);
      fresh.push(made);
      tally.count('created');
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await tally.refuseDomain(row.line, error.problems.length > 0 ? error.problems : [{ path: '', message: error.message }], lineOf);
    }
  }
  const withEpisodes = new Set(fresh.map((item) => item.episode.childId));
  const madeChildren = [...newChildren.values()].filter((child) => withEpisodes.has(child.id));
  const refs = new Map([...children.values()].filter((child) => withEpisodes.has(child.id)).map((child) => [child.id, child.ref]));
  return {
    children: madeChildren,
    childIds: [...children.values()].map((child) => child.id),
    refs,
    fresh,
    rhis: freshRhis,
    lines,
    changes,
    made: { children: madeChildren, spans: fresh.map((item) => item.episode), rhis: freshRhis.map((item) => item.rhi) },
  };
}

/**
 * Writes a batch's new records. On a connection that keeps the order of statements (`pipelines`)
 * every statement is queued without waiting for the one before, with a turn of the loop between
 * them (so the first is under way while the next is built), and the answer is when all are done:
 * the caller goes on to the next batch meanwhile, and asks nothing before all are queued (what it
 * asks next must see them). Otherwise each waits for the last.
 */
async function write(tx: Queryable, plan: Plan, ctx: RecordingContext, audits: 'batch' | 'file', pipelined: boolean, turn: () => Promise<void>, own: OwnWrites): Promise<{ done: Promise<void> }> {
  assertOwnReferences(plan);
  const unchecked = own === 'unchecked by triggers' && plan.fresh.length > 0;
  const steps: (() => Promise<void>)[] = [
    ...(unchecked ? [() => tx.exec(TRIGGERS_OFF)] : []),
    () => repo.insertNewChildren(tx, plan.children),
    () => repo.insertEpisodes(tx, plan.fresh.map((item) => item.episode), ctx.actor.name),
    () => repo.insertHistory(tx, plan.fresh.flatMap((item) => item.history)),
    () => repo.insertRhiRows(tx, plan.rhis.map((item) => item.rhi)),
    () => repo.insertRhiLinks(tx, plan.rhis.map((item) => item.rhi)),
    () => (audits === 'batch' ? repo.auditMany(tx, importAudits(plan.fresh, plan.rhis, plan.refs, ctx)) : Promise.resolve()),
    () => insertRows(tx, LINES_TABLE, { episode_id: 'uuid', line: 'int', created: 'boolean' }, plan.fresh.map((item) => [item.episode.id, plan.lines.get(item.episode.id), true])),
    ...(unchecked ? [() => tx.exec(TRIGGERS_ON)] : []),
  ];
  if (!pipelined) {
    for (const step of steps) await step();
    return { done: Promise.resolve() };
  }
  const queued: Promise<void>[] = [];
  for (const step of steps) {
    const sent = step();
    // Answered through `done`; heard here too, so that a failure during the next turn is not unhandled.
    sent.catch(() => undefined);
    queued.push(sent);
    await turn();
  }
  return { done: Promise.all(queued).then(() => undefined) };
}

/** The rows that change what is recorded, one by one through the API's use cases, each in a savepoint. */
async function applyChanges(tx: Queryable, changes: readonly ImportRow[], ctx: RecordingContext, tally: Tally): Promise<void> {
  const lineOf = async (episodeId: string) => (await linesOf(tx, [episodeId])).get(episodeId);
  for (const row of changes) {
    try {
      const { outcome, episodeId } = await withSavepoint(tx, () => applyChange(tx, row, ctx));
      tally.count(outcome);
      await tx.query(`insert into ${LINES_TABLE} (episode_id, line) values ($1, $2) on conflict (episode_id) do nothing`, [episodeId, row.line]);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await tally.refuseDomain(row.line, error.problems.length > 0 ? error.problems : [{ path: '', message: error.message }], lineOf);
    }
  }
}

/** Checks and applies one batch inside the caller's transaction, waiting for each statement. */
async function applyBatch(tx: Queryable, rows: readonly ImportRow[], ctx: RecordingContext, tally: Tally, audits: 'batch' | 'file', turn: () => Promise<void>, own: OwnWrites): Promise<void> {
  const plan = await decide(tx, rows, await lookUp(tx, rows), undefined, ctx, tally, turn);
  await write(tx, plan, ctx, audits, false, turn, own);
  await applyChanges(tx, plan.changes, ctx, tally);
}

/**
 * The audit of a whole file's new records, written once at its end: one entry per child, however
 * many batches its rows fell in (a child's episodes are spread through an unsorted file, so per
 * batch a child would get an entry for each), in the shape `importAudits` gives.
 */
async function auditFile(tx: Queryable, ctx: RecordingContext): Promise<void> {
  await tx.exec(READ_WHOLE);
  await tx.query(
    `insert into audit_log (actor, actor_kind, action, subject_type, subject_id, details)
     select $1, $2, 'child.imported', 'child', c.ref,
            jsonb_build_object('childRef', c.ref, 'episodes', count(*), 'returned', count(e.returned_at), 'rhis', count(distinct re.return_interview_id))
       from ${LINES_TABLE} l
       join episodes e on e.id = l.episode_id
       join children c on c.id = e.child_id
       left join return_interview_episodes re on re.episode_id = e.id
      where l.created
      group by c.ref
      order by min(l.line)`,
    [ctx.actor.name, ctx.actor.kind],
  );
}

/**
 * The audit of a chunk's new records: one entry per child (so `audit <case ref>` finds it) saying
 * what the import added, rather than the API's three entries an episode. Each episode also keeps
 * the import that made it as its source.
 */
function importAudits(fresh: readonly NewEpisodeRecord[], rhis: readonly { rhi: ReturnInterview }[], refOf: ReadonlyMap<string, string>, ctx: RecordingContext): repo.AuditEntry[] {
  const byChild = new Map<string, { episodes: number; returned: number; rhis: number }>();
  const tally = (childId: string) => byChild.get(childId) ?? byChild.set(childId, { episodes: 0, returned: 0, rhis: 0 }).get(childId)!;
  for (const { episode } of fresh) {
    tally(episode.childId).episodes++;
    if (episode.returnedAt) tally(episode.childId).returned++;
  }
  for (const { rhi } of rhis) tally(rhi.childId).rhis++;
  return [...byChild].map(([childId, counts]) => ({
    actor: ctx.actor.name,
    actorKind: ctx.actor.kind,
    action: 'child.imported',
    subjectType: 'child',
    subjectId: refOf.get(childId)!,
    details: { childRef: refOf.get(childId)!, ...counts },
  }));
}

/** Characters of a file given as a string handed to the CSV parser at a time. */
export const STRING_CHUNK_CHARS = 64 * 1024;

/**
 * A string in pieces of at most `size` characters (two when `size` is 1 and the piece would split a
 * pair), never splitting a character made of two (an emoji in a name). Given whole, the parser
 * turned all of a 20 MB file into records in one go, far ahead of the import, and the service ran
 * out of heap; in pieces, it waits for the import.
 */
export function* stringChunks(text: string, size = STRING_CHUNK_CHARS): Generator<string> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    // Back one to keep the pair whole; forward one when the piece would otherwise be empty.
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += end - 1 > start ? -1 : 1;
    yield text.slice(start, end);
    start = end;
  }
}

const asStream = (source: Readable | string): Readable => (typeof source === 'string' ? Readable.from(stringChunks(source)) : source);

/**
 * The whole file in one transaction, read and applied batch by batch; a rejected file is rolled back.
 * On a connection that keeps the order of statements (PostgreSQL, the PGlite worker) the database
 * and this thread work at once: a batch's writes are sent without waiting for them, the next
 * batch's lookups just before them (its checks then see the earlier batch's new records from
 * memory), and the file is read and checked on while the database writes.
 */
async function importInOneTransaction(db: Database, source: Readable | string, ctx: RecordingContext, options: ImportOptions): Promise<ImportSummary> {
  const reader = readEpisodes(asStream(source), options.timeZone);
  const turn = loopTurns(options.turnEveryMs ?? TURN_EVERY_MS);
  const pipelined = db.pipelines;
  let tally: Tally | undefined;
  try {
    await db.transaction(async (tx) => {
      const own = await startLines(tx);
      let previous: Made | undefined;
      const kept = new KeptChildren();
      let askedAhead: { rows: ImportRow[]; known: Promise<Known> } | undefined;
      // The writes sent and not yet awaited (the last: the connection runs them in order), and the first failure among them.
      let writing: Promise<void> = Promise.resolve();
      let failed: { error: unknown } | undefined;
      const apply = async (rows: ImportRow[], next: ImportRow[] | undefined) => {
        const asked = askedAhead?.rows === rows ? askedAhead.known : lookUp(tx, rows, kept);
        askedAhead = undefined;
        // A failed write fails what was asked after it ("transaction is aborted"): report the write's own error.
        const known = await asked.catch((error: unknown) => {
          throw failed ? failed.error : error;
        });
        if (failed) throw failed.error;
        const plan = await decide(tx, rows, known, previous, ctx, tally!, turn);
        previous = plan.made;
        // A use case may change what is kept (a kept child's details or episodes): forgotten first.
        if (plan.changes.length > 0) kept.forget();
        else kept.keep(plan.made);
        if (pipelined && plan.changes.length === 0 && next) askedAhead = { rows: next, known: lookUp(tx, next, kept) };
        const { done: written } = await write(tx, plan, ctx, 'file', pipelined, turn, own);
        if (pipelined && plan.changes.length === 0) {
          written.catch((error: unknown) => (failed ??= { error }));
          writing = written.catch(() => undefined);
        } else {
          await written;
          await applyChanges(tx, plan.changes, ctx, tally!);
        }
        options.onProgress?.({ rows: tally!.summary.rows, bytes: reader.bytes });
      };
      // One batch read ahead, so that its lookups can be asked before the last batch's writes.
      const ready: ImportRow[][] = [];
      let batch: ImportRow[] = [];
      try {
        for await (const read of reader.lines()) {
          tally ??= new Tally(reader.format!);
          if (++tally.summary.rows % ROWS_BETWEEN_LOOKS === 0) await turn();
          if (read.row) batch.push(read.row);
          else tally.refuse(read.line, read.problems);
          if (batch.length >= BATCH_ROWS) {
            ready.push(batch);
            batch = [];
            if (ready.length > 1) await apply(ready.shift()!, ready[0]);
          }
        }
        tally ??= new Tally(reader.format!);
        if (batch.length > 0) ready.push(batch);
        while (ready.length > 0) await apply(ready.shift()!, ready[0]);
      } finally {
        // However it ends, nothing is left in flight when the transaction commits or rolls back.
        await writing;
        await askedAhead?.known.catch(() => undefined);
      }
      if (failed) throw failed.error;
      if (tally.anyInvalid && !options.skipInvalid) throw new Rejected();
      await auditFile(tx, ctx);
    });
  } catch (error) {
    if (!(error instanceof Rejected)) throw error;
    Object.assign(tally!.summary, { rejected: true, created: 0, updated: 0, unchanged: 0 });
  }
  return tally!.summary;
}

/**
 * The rows in chunks of about `size`, a child's rows always in one chunk (its episodes must not
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

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A file (bounded by the API) applied chunk by chunk, each chunk its own short transaction, so that
 * others get the connection between them. When every row must be good, a rehearsal (each chunk
 * rolled back) finds every bad row first and nothing is stored. A row that a change made between
 * the rehearsal and the import turns bad (a rare race) is reported, and the rows before it stay.
 */
async function importInChunks(db: Database, source: Readable | string, ctx: RecordingContext, options: ImportOptions): Promise<ImportSummary> {
  const reader = readEpisodes(asStream(source), options.timeZone);
  const turn = loopTurns(options.turnEveryMs ?? TURN_EVERY_MS);
  const rows: ImportRow[] = [];
  const problems: { line: number; problems: RowProblem[] }[] = [];
  // Chunks are by child, so a police reference repeated by two children is found here.
  const policeRefLines = new Map<string, number>();
  for await (const read of reader.lines()) {
    if ((rows.length + problems.length) % ROWS_BETWEEN_LOOKS === 0) await turn();
    if (rows.length + problems.length >= SHARED_IMPORT_MAX_ROWS) {
      throw new CsvFormatError(
        `The file has more than ${SHARED_IMPORT_MAX_ROWS.toLocaleString('en-GB')} rows, the most the service takes at once while it answers Teams on the embedded database. Split the file, or stop the service and load it with npm run import, which takes a file of any size.`,
        read.line,
      );
    }
    const earlier = read.row?.policeRef ? policeRefLines.get(read.row.policeRef) : undefined;
    if (earlier) problems.push({ line: read.line, problems: [{ line: read.line, column: 'police_ref', message: `repeats the episode on line ${earlier}` }] });
    else if (read.row) {
      rows.push(read.row);
      if (read.row.policeRef) policeRefLines.set(read.row.policeRef, read.line);
    } else problems.push(read);
  }
  const chunks = chunksByChild(rows);
  const pass = async (tally: Tally, rehearse: boolean) => {
    for (const found of problems) tally.refuse(found.line, found.problems);
    tally.summary.rows = rows.length + problems.length;
    for (const chunk of chunks) {
      try {
        await db.transaction(async (tx) => {
          const own = await startLines(tx);
          // A chunk holds all of a child's rows: its audit entries are already one per child.
          await applyBatch(tx, chunk, ctx, tally, 'batch', turn, own);
          if (rehearse) throw new Rejected();
        });
      } catch (error) {
        if (!(error instanceof Rejected)) throw error;
      }
      options.onProgress?.({ rows: tally.summary.rows, bytes: reader.bytes });
      await yieldToOthers();
    }
    return tally.summary;
  };
  if (!options.skipInvalid) {
    const rehearsal = await pass(new Tally(reader.format!), true);
    if (rehearsal.invalid > 0) return { ...rehearsal, rejected: true, created: 0, updated: 0, unchanged: 0 };
  }
  return pass(new Tally(reader.format!), false);
}

/**
 * Imports a CSV of episodes (a string, or a stream read as it arrives). A file with bad rows is
 * rejected whole, with every bad row and why, unless `skipInvalid`: then the good rows land and the
 * bad ones are reported. Importing the same file again changes nothing.
 */
export async function importEpisodesCsv(db: Database, source: Readable | string, ctx: RecordingContext, options: ImportOptions): Promise<ImportSummary> {
  const summary = options.shareConnection ? await importInChunks(db, source, ctx, options) : await importInOneTransaction(db, source, ctx, options);
  summary.problems.sort((a, b) => a.line - b.line);
  // An import may add children missing today: the day's kept list (on every replica) is stale.
  if (!summary.rejected && summary.created + summary.updated > 0) await bumpListVersion(db, localDate(ctx.now, ctx.timeZone));
  await repo.audit(db, {
    actor: ctx.actor.name,
    actorKind: ctx.actor.kind,
    action: summary.rejected ? 'import.rejected' : 'import.completed',
    subjectType: 'import',
    details: { format: summary.format, rows: summary.rows, created: summary.created, updated: summary.updated, unchanged: summary.unchanged, invalid: summary.invalid },
  });
  return summary;
}
