import { meetingsOf } from './meetings';
import { newId } from './ids';
import type { Child, Episode, ReturnInterview } from '../domain/types';
import { insertRows, type ColumnTypes } from './bulk';
import type { Queryable } from './db';

/**
 * The SQL for the recording side. Every function takes the connection or transaction to use and
 * returns plain domain records.
 */

type Row = Record<string, unknown>;

/** A child's columns, of the table or of `alias` when the child is joined. */
const childColumns = (alias = '') => {
  const of = alias ? `${alias}.` : '';
  return `${of}id, ${of}ref, ${of}given_name, ${of}family_name, to_char(${of}date_of_birth, 'YYYY-MM-DD') as date_of_birth,
  ${of}looked_after, ${of}placing_authority, ${of}placement_in_area, ${of}school, ${of}social_worker_email`;
};
const CHILD_COLUMNS = childColumns();

const toChild = (row: Row): Child => ({
  id: row.id as string,
  ref: row.ref as string,
  givenName: (row.given_name as string | null) ?? null,
  familyName: (row.family_name as string | null) ?? null,
  dateOfBirth: (row.date_of_birth as string | null) ?? null,
  lookedAfter: row.looked_after as boolean,
  placingAuthority: (row.placing_authority as string | null) ?? null,
  placementInArea: (row.placement_in_area as boolean | null) ?? null,
  school: (row.school as string | null) ?? null,
  socialWorkerEmail: (row.social_worker_email as string | null) ?? null,
});

const EPISODE_COLUMNS = `id, child_id, kind, reported_at, returned_at, police_ref, risk_grade, last_seen, exploitation_concerns,
  safe_and_well_check, responsible_authority, host_authority, placement_in_area, placing_authority_notified_at`;

const toEpisode = (row: Row): Episode => ({
  id: row.id as string,
  childId: row.child_id as string,
  kind: row.kind as Episode['kind'],
  reportedAt: new Date(row.reported_at as Date),
  returnedAt: row.returned_at ? new Date(row.returned_at as Date) : null,
  policeRef: (row.police_ref as string | null) ?? null,
  riskGrade: (row.risk_grade as Episode['riskGrade']) ?? null,
  lastSeen: (row.last_seen as string | null) ?? null,
  exploitationConcerns: (row.exploitation_concerns as Episode['exploitationConcerns']) ?? [],
  safeAndWellCheck: (row.safe_and_well_check as Episode['safeAndWellCheck']) ?? null,
  responsibleAuthority: (row.responsible_authority as string | null) ?? null,
  hostAuthority: (row.host_authority as string | null) ?? null,
  placementInArea: (row.placement_in_area as boolean | null) ?? null,
  placingAuthorityNotifiedAt: row.placing_authority_notified_at ? new Date(row.placing_authority_notified_at as Date) : null,
});

const RHI_COLUMNS = `r.id, r.child_id, r.external_ref, r.offered_at, r.offered_by, r.outcome, r.completed_at, r.completed_by, r.provider,
  coalesce((select array_agg(e.episode_id::text order by e.episode_id) from return_interview_episodes e where e.return_interview_id = r.id), '{}') as episode_ids`;

const dateOrNull = (value: unknown) => (value ? new Date(value as Date) : null);

const toRhi = (row: Row): ReturnInterview => ({
  id: row.id as string,
  childId: row.child_id as string,
  externalRef: (row.external_ref as string | null) ?? null,
  episodeIds: row.episode_ids as string[],
  offeredAt: dateOrNull(row.offered_at),
  offeredBy: (row.offered_by as string | null) ?? null,
  outcome: (row.outcome as ReturnInterview['outcome']) ?? null,
  completedAt: dateOrNull(row.completed_at),
  completedBy: (row.completed_by as string | null) ?? null,
  provider: (row.provider as ReturnInterview['provider']) ?? null,
});

const first = <T>(rows: T[]): T | undefined => rows[0];

// Children

/** Locks a child's row (every change to one child's episodes and RHIs takes its turn behind it); answers its case reference. */
export async function lockChild(db: Queryable, childId: string): Promise<string | null> {
  const rows = await db.query<{ ref: string }>('select ref from children where id = $1 for update', [childId]);
  return rows[0]?.ref ?? null;
}

export async function findChildByRef(db: Queryable, ref: string, options: { lock?: boolean } = {}): Promise<Child | undefined> {
  const rows = await db.query(`select ${CHILD_COLUMNS} from children where ref = $1${options.lock ? ' for update' : ''}`, [ref]);
  const row = first(rows);
  return row && toChild(row);
}

export async function findChildById(db: Queryable, id: string): Promise<Child | undefined> {
  const row = first(await db.query(`select ${CHILD_COLUMNS} from children where id = $1`, [id]));
  return row && toChild(row);
}

/** Applies the fields given (a newer notification knows better), leaving the others. */
export async function updateChild(db: Queryable, id: string, changes: Partial<Omit<Child, 'id' | 'ref'>>): Promise<void> {
  const columns: Record<keyof typeof changes, string> = {
    givenName: 'given_name',
    familyName: 'family_name',
    dateOfBirth: 'date_of_birth',
    lookedAfter: 'looked_after',
    placingAuthority: 'placing_authority',
    placementInArea: 'placement_in_area',
    school: 'school',
    socialWorkerEmail: 'social_worker_email',
  };
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined) as [keyof typeof changes, unknown][];
  if (entries.length === 0) return;
  const sets = entries.map(([key], index) => `${columns[key]} = $${index + 2}`);
  await db.query(`update children set ${sets.join(', ')}, updated_at = now() where id = $1`, [id, ...entries.map(([, value]) => value)]);
}

// Episodes

export async function findEpisode(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<Episode | undefined> {
  const row = first(await db.query(`select ${EPISODE_COLUMNS} from episodes where id = $1${options.lock ? ' for update' : ''}`, [id]));
  return row && toEpisode(row);
}

export async function findEpisodeByPoliceRef(db: Queryable, policeRef: string): Promise<Episode | undefined> {
  const row = first(await db.query(`select ${EPISODE_COLUMNS} from episodes where police_ref = $1`, [policeRef]));
  return row && toEpisode(row);
}

export async function findEpisodeByChildAndReport(db: Queryable, childId: string, reportedAt: Date): Promise<Episode | undefined> {
  const row = first(await db.query(`select ${EPISODE_COLUMNS} from episodes where child_id = $1 and reported_at = $2`, [childId, reportedAt]));
  return row && toEpisode(row);
}

export async function listEpisodesOfChild(db: Queryable, childId: string): Promise<Episode[]> {
  return (await db.query(`select ${EPISODE_COLUMNS} from episodes where child_id = $1 order by reported_at`, [childId])).map(toEpisode);
}

/**
 * A child's episodes that could overlap [start, end] (end null: still open), oldest first: a superset
 * the domain's overlap rule then decides on, read through the (child_id, reported_at) unique index whatever the child's history.
 */
export async function episodesNear(db: Queryable, childId: string, start: Date, end: Date | null): Promise<Episode[]> {
  return (
    await db.query(
      `select ${EPISODE_COLUMNS} from episodes where child_id = $1 and ($3::timestamptz is null or reported_at <= $3) and (returned_at is null or returned_at >= $2) order by reported_at`,
      [childId, start, end],
    )
  ).map(toEpisode);
}

/**
 * What a child's card needs, however long its history: the episodes reported since `since` (the
 * escalation window), any still open, and the latest; oldest first.
 */
export async function recentEpisodesOfChild(db: Queryable, childId: string, since: Date): Promise<Episode[]> {
  return (
    await db.query(
      `select ${EPISODE_COLUMNS} from episodes where id in (
         select id from episodes where child_id = $1 and (reported_at > $2 or returned_at is null)
         union (select id from episodes where child_id = $1 order by reported_at desc limit 1))
       order by reported_at`,
      [childId, since],
    )
  ).map(toEpisode);
}

/** A child's latest `limit` episodes (newest first) and how many there are in all. */
export async function latestEpisodesOfChild(db: Queryable, childId: string, limit: number): Promise<{ episodes: Episode[]; total: number }> {
  const [episodes, count] = await Promise.all([
    db.query(`select ${EPISODE_COLUMNS} from episodes where child_id = $1 order by reported_at desc limit $2`, [childId, limit]),
    db.query<{ n: number }>(`select count(*)::int as n from episodes where child_id = $1`, [childId]),
  ]);
  return { episodes: episodes.map(toEpisode), total: count[0]?.n ?? 0 };
}

const EPISODE_INSERT_COLUMNS: ColumnTypes = {
  id: 'uuid',
  child_id: 'uuid',
  kind: 'text',
  reported_at: 'timestamptz',
  returned_at: 'timestamptz',
  police_ref: 'text',
  risk_grade: 'text',
  last_seen: 'text',
  exploitation_concerns: 'text[]',
  safe_and_well_check: 'text',
  responsible_authority: 'text',
  host_authority: 'text',
  placement_in_area: 'boolean',
  source: 'text',
};

/** New episodes, one statement for all of them. */
export async function insertEpisodes(db: Queryable, episodes: readonly Episode[], source: string): Promise<void> {
  const rows = episodes.map((episode) => [
    episode.id,
    episode.childId,
    episode.kind,
    episode.reportedAt,
    episode.returnedAt,
    episode.policeRef,
    episode.riskGrade,
    episode.lastSeen,
    episode.exploitationConcerns,
    episode.safeAndWellCheck,
    episode.responsibleAuthority,
    episode.hostAuthority,
    episode.placementInArea,
    source,
  ]);
  await insertRows(db, 'episodes', EPISODE_INSERT_COLUMNS, rows);
}

/** A change to an episode, as the history of that episode keeps it. */
export interface NewHistoryEntry extends Omit<HistoryEntry, 'reason'> {
  episodeId: string;
}

export async function insertHistory(db: Queryable, entries: readonly NewHistoryEntry[]): Promise<void> {
  await insertRows(
    db,
    'episode_history',
    { id: 'uuid', episode_id: 'uuid', field: 'text', old_value: 'jsonb', new_value: 'jsonb', changed_at: 'timestamptz', changed_by: 'text' },
    entries.map((entry) => [newId(), entry.episodeId, entry.field, JSON.stringify(entry.oldValue), JSON.stringify(entry.newValue), entry.changedAt, entry.changedBy]),
  );
}

export interface NewChild extends Omit<Child, 'id'> {
  id: string;
}

const CHILD_ROW_COLUMNS = { id: 'uuid', ref: 'text', given_name: 'text', family_name: 'text', date_of_birth: 'date', looked_after: 'boolean', placing_authority: 'text', placement_in_area: 'boolean', school: 'text', social_worker_email: 'text' } as const;
const childRow = (child: NewChild) => [child.id, child.ref, child.givenName, child.familyName, child.dateOfBirth, child.lookedAfter, child.placingAuthority, child.placementInArea, child.school, child.socialWorkerEmail];

/** A child not yet recorded; one already there (by case reference) is left as it is. */
export async function insertChildUnlessRecorded(db: Queryable, child: NewChild): Promise<void> {
  await insertRows(db, 'children', CHILD_ROW_COLUMNS, [childRow(child)], 'on conflict (ref) do nothing');
}

/**
 * Children the caller looked up in this transaction and found missing (an import's batch): written
 * by `COPY` where the connection has it. A case reference recorded meanwhile by someone else fails
 * the statement (a unique violation: the import stores nothing) instead of being skipped, which
 * would leave the caller's new episodes naming a child that was never written.
 */
export async function insertNewChildren(db: Queryable, children: readonly NewChild[]): Promise<void> {
  await insertRows(db, 'children', CHILD_ROW_COLUMNS, children.map(childRow));
}

/** The children with these case references, locked: changes to one child take turns. */
export async function lockChildrenByRef(db: Queryable, refs: readonly string[]): Promise<Child[]> {
  if (refs.length === 0) return [];
  return (await db.query(`select ${CHILD_COLUMNS} from children where ref = any($1::text[]) order by ref for update`, [refs])).map(toChild);
}

/** What an import checks a new row against: each episode's child, span and police reference. */
export type EpisodeSpan = Pick<Episode, 'id' | 'childId' | 'reportedAt' | 'returnedAt' | 'policeRef'>;

/**
 * The spans of every episode of the children with these case references, and of any with these
 * police references (whoever's they are): the columns an import's checks read, not the whole
 * episode. One statement (each half by its index), so that an import can ask it together with
 * the children and RHIs it needs before any answer comes back. An episode both halves find comes
 * twice (`union all`: removing repeats sorted or hashed all 4,000 spans of a batch, about a twentieth
 * of the statement); the import keys them by id.
 */
export async function episodeSpansOfChildRefsOrPoliceRefs(db: Queryable, childRefs: readonly string[], policeRefs: readonly string[]): Promise<EpisodeSpan[]> {
  if (childRefs.length === 0 && policeRefs.length === 0) return [];
  const rows = await db.query<{ id: string; child_id: string; reported_at: Date | string; returned_at: Date | string | null; police_ref: string | null }>(
    `select e.id, e.child_id, e.reported_at, e.returned_at, e.police_ref from children c join episodes e on e.child_id = c.id where c.ref = any($1::text[])
     union all
     select id, child_id, reported_at, returned_at, police_ref from episodes where police_ref = any($2::text[])`,
    [childRefs, policeRefs],
  );
  return rows.map((row) => ({ id: row.id, childId: row.child_id, reportedAt: new Date(row.reported_at), returnedAt: row.returned_at === null ? null : new Date(row.returned_at), policeRef: row.police_ref }));
}

export type EpisodeChanges = Partial<
  Pick<Episode, 'kind' | 'reportedAt' | 'returnedAt' | 'policeRef' | 'riskGrade' | 'lastSeen' | 'exploitationConcerns' | 'safeAndWellCheck' | 'placingAuthorityNotifiedAt'>
>;

const EPISODE_FIELD_COLUMNS: Record<keyof EpisodeChanges, string> = {
  kind: 'kind',
  reportedAt: 'reported_at',
  returnedAt: 'returned_at',
  policeRef: 'police_ref',
  riskGrade: 'risk_grade',
  lastSeen: 'last_seen',
  exploitationConcerns: 'exploitation_concerns',
  safeAndWellCheck: 'safe_and_well_check',
  placingAuthorityNotifiedAt: 'placing_authority_notified_at',
};

/** Writes the changed fields and one history row per field, in the caller's transaction. */
/** Changes an episode and keeps each changed field's history, with the reason given for it (a grade's). */
export async function updateEpisode(db: Queryable, before: Episode, changes: EpisodeChanges, changedBy: string, at: Date, reasons: Partial<Record<keyof EpisodeChanges, string>> = {}): Promise<Episode> {
  const changed = (Object.keys(changes) as (keyof EpisodeChanges)[]).filter(
    (key) => changes[key] !== undefined && JSON.stringify(changes[key]) !== JSON.stringify(before[key]),
  );
  if (changed.length === 0) return before;
  const sets = changed.map((key, index) => `${EPISODE_FIELD_COLUMNS[key]} = $${index + 2}`);
  await db.query(`update episodes set ${sets.join(', ')}, updated_at = now() where id = $1`, [before.id, ...changed.map((key) => changes[key])]);
  for (const key of changed) {
    await db.query(
      `insert into episode_history (id, episode_id, field, old_value, new_value, changed_at, changed_by, reason) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [newId(), before.id, key, JSON.stringify(before[key] ?? null), JSON.stringify(changes[key] ?? null), at, changedBy, reasons[key] ?? null],
    );
  }
  return { ...before, ...Object.fromEntries(changed.map((key) => [key, changes[key]])) };
}

export interface HistoryEntry {
  field: string;
  oldValue: unknown;
  newValue: unknown;
  changedAt: Date;
  changedBy: string;
  reason: string | null;
}

export async function episodeHistory(db: Queryable, episodeId: string): Promise<HistoryEntry[]> {
  const rows = await db.query(
    `select field, old_value, new_value, changed_at, changed_by, reason from episode_history where episode_id = $1 order by changed_at, field`,
    [episodeId],
  );
  return rows.map((row) => ({
    field: row.field as string,
    oldValue: row.old_value,
    newValue: row.new_value,
    changedAt: new Date(row.changed_at as Date),
    changedBy: row.changed_by as string,
    reason: (row.reason as string | null) ?? null,
  }));
}

// Return interviews

export async function findRhi(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ReturnInterview | undefined> {
  const row = first(await db.query(`select ${RHI_COLUMNS} from return_interviews r where r.id = $1${options.lock ? ' for update of r' : ''}`, [id]));
  return row && toRhi(row);
}

export async function findRhiByExternalRef(db: Queryable, externalRef: string): Promise<ReturnInterview | undefined> {
  const row = first(await db.query(`select ${RHI_COLUMNS} from return_interviews r where r.external_ref = $1`, [externalRef]));
  return row && toRhi(row);
}

/** The RHIs already covering any of these episodes. */
export async function rhisCoveringEpisodes(db: Queryable, episodeIds: string[]): Promise<ReturnInterview[]> {
  if (episodeIds.length === 0) return [];
  const rows = await db.query(
    `select ${RHI_COLUMNS} from return_interviews r
      where r.id in (select return_interview_id from return_interview_episodes where episode_id = any($1::uuid[]))`,
    [episodeIds],
  );
  return rows.map(toRhi);
}

/** New RHIs with the episodes each covers, in two statements whatever their number. */
export async function insertRhis(db: Queryable, rhis: readonly ReturnInterview[]): Promise<void> {
  await insertRhiRows(db, rhis);
  await insertRhiLinks(db, rhis);
}

/** The RHIs themselves, without the episodes they cover (`insertRhiLinks`). */
export async function insertRhiRows(db: Queryable, rhis: readonly ReturnInterview[]): Promise<void> {
  await insertRows(
    db,
    'return_interviews',
    { id: 'uuid', child_id: 'uuid', external_ref: 'text', offered_at: 'timestamptz', offered_by: 'text', outcome: 'text', completed_at: 'timestamptz', completed_by: 'text', provider: 'text' },
    rhis.map((rhi) => [rhi.id, rhi.childId, rhi.externalRef, rhi.offeredAt, rhi.offeredBy, rhi.outcome, rhi.completedAt, rhi.completedBy, rhi.provider]),
  );
}

/** The episodes each of these new RHIs covers (`insertRhis` writes them after the RHIs). */
export async function insertRhiLinks(db: Queryable, rhis: readonly ReturnInterview[]): Promise<void> {
  await insertRows(
    db,
    'return_interview_episodes',
    { return_interview_id: 'uuid', episode_id: 'uuid' },
    rhis.flatMap((rhi) => rhi.episodeIds.map((episodeId) => [rhi.id, episodeId])),
  );
}

/** The RHIs with these references. */
export async function rhisByExternalRef(db: Queryable, refs: readonly string[]): Promise<ReturnInterview[]> {
  if (refs.length === 0) return [];
  return (await db.query(`select ${RHI_COLUMNS} from return_interviews r where r.external_ref = any($1::text[])`, [refs])).map(toRhi);
}

export async function addRhiEpisodes(db: Queryable, rhiId: string, episodeIds: string[]): Promise<void> {
  // The same pair again is nothing new; an episode another RHI covers is a conflict, never dropped.
  await insertRows(db, 'return_interview_episodes', { return_interview_id: 'uuid', episode_id: 'uuid' }, episodeIds.map((episodeId) => [rhiId, episodeId]), 'on conflict (return_interview_id, episode_id) do nothing');
}

export type RhiChanges = Partial<Pick<ReturnInterview, 'offeredAt' | 'offeredBy' | 'outcome' | 'completedAt' | 'completedBy' | 'provider'>>;

const RHI_FIELD_COLUMNS: Record<keyof RhiChanges, string> = {
  offeredAt: 'offered_at',
  offeredBy: 'offered_by',
  outcome: 'outcome',
  completedAt: 'completed_at',
  completedBy: 'completed_by',
  provider: 'provider',
};

export async function updateRhi(db: Queryable, id: string, changes: RhiChanges): Promise<void> {
  const keys = (Object.keys(changes) as (keyof RhiChanges)[]).filter((key) => changes[key] !== undefined);
  if (keys.length === 0) return;
  const sets = keys.map((key, index) => `${RHI_FIELD_COLUMNS[key]} = $${index + 2}`);
  await db.query(`update return_interviews set ${sets.join(', ')}, updated_at = now() where id = $1`, [id, ...keys.map((key) => changes[key])]);
}

// What the daily list needs

/**
 * Episodes that can appear on a list as of `asOf`: open then, returned after `returnedAfter`, reported
 * after `reportedAfter` (the escalation window), or returned with no RHI answered yet.
 */
/**
 * What the list for `asOf` needs, read through indexes so its cost follows the active set, not all
 * history: open episodes (episodes_open), returns after `returnedAfter` (the previous huddle or the
 * RHI chase window, whichever is earlier: episodes_returned) and reports after `reportedAfter` (the
 * escalation window: episodes_reported); then those children's episodes in that window.
 */
export async function loadListRecords(db: Queryable, asOf: Date, returnedAfter: Date, reportedAfter: Date) {
  const episodes = (
    await db.query(
      `select ${EPISODE_COLUMNS} from episodes where id in (
         select id from episodes where returned_at is null and reported_at <= $1
         union select id from episodes where returned_at > $2 and reported_at <= $1
         union select id from episodes where reported_at > $3 and reported_at <= $1)`,
      [asOf, returnedAfter, reportedAfter],
    )
  ).map(toEpisode);
  const childIds = [...new Set(episodes.map((episode) => episode.childId))];
  // Escalation counts every episode of these children inside the window, whatever its state.
  const windowEpisodes = childIds.length
    ? (await db.query(`select ${EPISODE_COLUMNS} from episodes where child_id = any($1::uuid[]) and reported_at > $2 and reported_at <= $3`, [childIds, reportedAfter, asOf])).map(toEpisode)
    : [];
  const byId = new Map([...episodes, ...windowEpisodes].map((episode) => [episode.id, episode]));
  const children = childIds.length ? (await db.query(`select ${CHILD_COLUMNS} from children where id = any($1::uuid[])`, [childIds])).map(toChild) : [];
  const returnInterviews = await rhisCoveringEpisodes(db, [...byId.keys()]);
  const meetings = await meetingsOf(db, childIds);
  return { children, episodes: [...byId.values()], returnInterviews, meetings };
}

/**
 * Episodes whose RHI chase window (RHI_CHASE_DAYS after the return) ended between `from` and `to`
 * without an answer (neither done nor declined after an offer): the huddle stops chasing them, and
 * the weekly management view names them. Read through the return-time index.
 */
export async function chasedOutBetween(db: Queryable, from: Date, to: Date, chaseDays: number, limit: number): Promise<{ child: Child; returnedAt: Date }[]> {
  const rows = await db.query(
    `select ${childColumns('c')}, e.returned_at
       from episodes e join children c on c.id = e.child_id
       left join return_interview_episodes re on re.episode_id = e.id
       left join return_interviews r on r.id = re.return_interview_id
      where e.returned_at > $1::timestamptz - $3::int * interval '1 day' and e.returned_at <= $2::timestamptz - $3::int * interval '1 day'
        and not coalesce(r.completed_at <= e.returned_at + $3::int * interval '1 day', false)
        and not coalesce(r.outcome = 'declined' and r.offered_at is not null, false)
      order by e.returned_at limit $4`,
    [from, to, chaseDays, limit],
  );
  return rows.map((row) => ({ child: toChild(row), returnedAt: new Date(row.returned_at as Date) }));
}

// Audit

export interface AuditEntry {
  actor: string;
  /** The member of staff's name (never a child's). */
  actorName?: string;
  actorKind: 'api' | 'teams' | 'import' | 'system';
  action: string;
  subjectType?: string;
  subjectId?: string;
  conversationId?: string;
  details?: Record<string, unknown>;
}

export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await auditMany(db, [entry]);
}

/** The audit log's columns an entry fills, in the order `auditRow` gives them. */
export const AUDIT_COLUMNS: ColumnTypes = { actor: 'text', actor_name: 'text', actor_kind: 'text', action: 'text', subject_type: 'text', subject_id: 'text', conversation_id: 'text', details: 'jsonb' };

/** An entry as the values of `AUDIT_COLUMNS`. */
export function auditRow(entry: AuditEntry): unknown[] {
  // A child named in the details is the entry's subject, so `audit <case ref>` finds it.
  const childRef = typeof entry.details?.childRef === 'string' ? entry.details.childRef : undefined;
  return [entry.actor, entry.actorName ?? null, entry.actorKind, entry.action, entry.subjectType ?? (childRef ? 'child' : null), entry.subjectId ?? childRef ?? null, entry.conversationId ?? null, JSON.stringify(entry.details ?? {})];
}

/** Audit entries in one statement, in the order given. */
export async function auditMany(db: Queryable, entries: readonly AuditEntry[]): Promise<void> {
  await insertRows(db, 'audit_log', AUDIT_COLUMNS, entries.map(auditRow));
}

export interface AuditQuery {
  action?: string;
  /** A case reference (entries about that child, whatever their subject), or another subject id. */
  subject?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  /** Paging: entries older than this id. */
  before?: number;
  limit: number;
}

export type AuditRecord = AuditEntry & { id: number; at: Date };

/** Audit entries matching every filter given, newest first, at most `limit`. */
export async function searchAudit(db: Queryable, query: AuditQuery): Promise<AuditRecord[]> {
  const rows = await db.query(
    `select id, at, actor, actor_name, actor_kind, action, subject_type, subject_id, conversation_id, details from audit_log
      where ($1::text is null or action = $1)
        and ($2::text is null or subject_id = $2 or details ->> 'childRef' = $2)
        and ($3::text is null or actor = $3)
        and ($4::timestamptz is null or at >= $4)
        and ($5::timestamptz is null or at < $5)
        and ($6::bigint is null or id < $6)
      order by id desc limit $7`,
    [query.action ?? null, query.subject ?? null, query.actor ?? null, query.from ?? null, query.to ?? null, query.before ?? null, query.limit],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    at: new Date(row.at as Date),
    actor: row.actor as string,
    actorName: (row.actor_name as string | null) ?? undefined,
    actorKind: row.actor_kind as AuditEntry['actorKind'],
    action: row.action as string,
    subjectType: (row.subject_type as string | null) ?? undefined,
    subjectId: (row.subject_id as string | null) ?? undefined,
    conversationId: (row.conversation_id as string | null) ?? undefined,
    details: row.details as Record<string, unknown>,
  }));
}

/** Every entry (of one action), oldest first: for tests and small checks. */
export async function auditEntries(db: Queryable, filter: { action?: string } = {}): Promise<AuditRecord[]> {
  return (await searchAudit(db, { action: filter.action, limit: 100_000 })).reverse();
}
