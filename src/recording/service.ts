import { newId } from '../store/ids';
import { assertNoOverlap, assertReturnAfterReport, authoritiesFor } from '../domain/episodes';
import { dateOfBirthProblem, EVENT_EARLIEST_YEAR, EVENT_LATEST_YEAR, isPlausibleEventDate } from '../domain/plausible';
import { DomainError, type FieldProblem } from '../domain/errors';
import { isInFuture, outcomeOnCompletion, rhiProblems } from '../domain/rhi';
import { isOla } from '../domain/episodes';
import type { Child, Episode, ReturnInterview } from '../domain/types';
import type { Queryable } from '../store/db';
import * as repo from '../store/repositories';
import type { ChangeEpisodeInput, ChangeRhiInput, ChildInput, CreateRhiInput, RecordReturnInput, ReportMissingInput } from './schemas';

/**
 * The recording use cases, shared by the HTTP API, the CSV import and the bot. Each runs inside the
 * caller's transaction, applies the domain rules, and audits what it changed.
 */

export interface Actor {
  name: string;
  kind: repo.AuditEntry['actorKind'];
  conversationId?: string;
}

export interface RecordingContext {
  actor: Actor;
  now: Date;
  localAuthority: string;
  /** The council's time zone: refusals name times as people there read them. */
  timeZone: string;
}

export interface Recorded<T> {
  value: T;
  created: boolean;
}

const auditAs = (tx: Queryable, ctx: RecordingContext, entry: Omit<repo.AuditEntry, 'actor' | 'actorKind' | 'conversationId'>) =>
  repo.audit(tx, { ...entry, actor: ctx.actor.name, actorKind: ctx.actor.kind, conversationId: ctx.actor.conversationId });

/** Refuses with every problem found, each a sentence beside its field; the message is those sentences. */
function refuse(code: 'validation' | 'conflict', problems: FieldProblem[]): never {
  throw new DomainError(code, problems.map((problem) => problem.message).join(' '), problems);
}

const TIME_NAMES: Record<string, string> = { reportedAt: 'report time', returnedAt: 'return time', offeredAt: 'offer time', completedAt: 'interview time', placingAuthorityNotifiedAt: 'time the placing authority was told' };

/** Every time recorded, however it came (API, import, card), is in the years this service can have. */
function assertPlausible(times: Record<string, Date | null | undefined>): void {
  const problems = Object.entries(times)
    .filter(([, time]) => time && !isPlausibleEventDate(time.toISOString()))
    .map(([path]) => ({ path, message: `The ${TIME_NAMES[path] ?? 'time'} is outside the years this service records (${EVENT_EARLIEST_YEAR} to ${EVENT_LATEST_YEAR}).` }));
  if (problems.length > 0) refuse('validation', problems);
}

function assertNotFuture(path: keyof typeof TIME_NAMES, time: Date | null | undefined, now: Date): void {
  if (time && isInFuture(time, now)) refuse('validation', [{ path, message: `The ${TIME_NAMES[path]} is in the future.` }]);
}

/** Refuses a date of birth no child of this service can have. */
export function assertChildInput(input: Pick<ChildInput, 'dateOfBirth'>, now: Date): void {
  const birthProblem = input.dateOfBirth ? dateOfBirthProblem(input.dateOfBirth, now.toISOString().slice(0, 10)) : null;
  if (birthProblem) refuse('validation', [{ path: 'child.dateOfBirth', message: `The date of birth ${birthProblem}.` }]);
}

/** The fields of a child's record a notification would change (a newer notification knows better). */
export function childChanges(child: Child, input: ChildInput): Partial<Omit<Child, 'id' | 'ref'>> {
  return Object.fromEntries(
    (Object.keys(input) as (keyof ChildInput)[])
      .filter((key) => key !== 'ref' && input[key] !== null && input[key] !== undefined && input[key] !== child[key])
      .map((key) => [key, input[key]]),
  );
}

/** Finds or creates the child and locks its row, so notifications about one child take turns. */
async function lockChild(tx: Queryable, input: ChildInput, ctx: RecordingContext): Promise<Child> {
  assertChildInput(input, ctx.now);
  await repo.insertChildUnlessRecorded(tx, { id: newId(), ...input, lookedAfter: input.lookedAfter ?? false, socialWorkerEmail: input.socialWorkerEmail ?? null });
  const child = (await repo.findChildByRef(tx, input.ref, { lock: true }))!;
  const changes = childChanges(child, input);
  if (Object.keys(changes).length === 0) return child;
  await repo.updateChild(tx, child.id, changes);
  await auditAs(tx, ctx, { action: 'child.updated', subjectType: 'child', subjectId: child.ref, details: { fields: Object.keys(changes) } });
  return { ...child, ...changes };
}

export function assertKindFits(kind: ReportMissingInput['kind'], child: Pick<Child, 'lookedAfter'>): void {
  if (kind !== 'missing_from_home' && !child.lookedAfter) refuse('validation', [{ path: 'kind', message: NOT_LOOKED_AFTER }]);
}

/**
 * A new episode's times against now and against the child's other episodes: the whole interval
 * (report and, for history, return) at once, so the order episodes arrive in never matters.
 */
export function assertNewEpisode(reportedAt: Date, returnedAt: Date | null, others: readonly Pick<Episode, 'id' | 'reportedAt' | 'returnedAt'>[], ctx: RecordingContext): void {
  assertNotFuture('reportedAt', reportedAt, ctx.now);
  if (returnedAt) {
    assertReturnAfterReport(reportedAt, returnedAt, ctx.timeZone);
    assertNotFuture('returnedAt', returnedAt, ctx.now);
  }
  assertNoOverlap({ id: '', reportedAt, returnedAt }, [...others], ctx.timeZone);
}

/** A new episode as the rules make it: the episode, and its first grade and its return as history. */
export interface NewEpisodeRecord {
  episode: Episode;
  history: repo.NewHistoryEntry[];
}

/** What a new episode writes: its record and the audit. */
export interface NewEpisode extends NewEpisodeRecord {
  audits: repo.AuditEntry[];
}

/** What of a report a new episode holds (the child comes separately, found or made). */
export type EpisodeFields = Pick<ReportMissingInput, 'kind' | 'reportedAt' | 'policeRef' | 'riskGrade' | 'lastSeen' | 'exploitationConcerns'>;

/**
 * A new episode and its history, unaudited: the import writes thousands at once and audits each
 * child once for the file (`newEpisode` adds the API's entries an episode).
 */
export function newEpisodeRecord(child: Child, input: EpisodeFields, returnedAt: Date | null, ctx: RecordingContext): NewEpisodeRecord {
  const episode: Episode = {
    id: newId(),
    childId: child.id,
    kind: input.kind,
    reportedAt: input.reportedAt,
    returnedAt,
    policeRef: input.policeRef,
    riskGrade: input.riskGrade,
    lastSeen: input.lastSeen,
    exploitationConcerns: input.exploitationConcerns,
    safeAndWellCheck: null,
    placingAuthorityNotifiedAt: null,
    ...authoritiesFor(child, ctx.localAuthority),
  };
  const history: repo.NewHistoryEntry[] = [];
  // The first grade is history too: the continuum is read from the first entry on.
  if (episode.riskGrade) history.push({ episodeId: episode.id, field: 'riskGrade', oldValue: null, newValue: episode.riskGrade, changedAt: input.reportedAt, changedBy: ctx.actor.name });
  // The return is history too: the correction window and the audit read it from here.
  if (returnedAt) history.push({ episodeId: episode.id, field: 'returnedAt', oldValue: null, newValue: returnedAt, changedAt: ctx.now, changedBy: ctx.actor.name });
  return { episode, history };
}

export function newEpisode(child: Child, input: EpisodeFields, returnedAt: Date | null, ctx: RecordingContext): NewEpisode {
  const { episode, history } = newEpisodeRecord(child, input, returnedAt, ctx);
  const by = { actor: ctx.actor.name, actorKind: ctx.actor.kind, conversationId: ctx.actor.conversationId, subjectType: 'episode', subjectId: episode.id };
  const audits: repo.AuditEntry[] = [{ ...by, action: 'episode.reported', details: { childRef: child.ref, kind: episode.kind } }];
  if (returnedAt) audits.push({ ...by, action: 'episode.returned', details: { childRef: child.ref, safeAndWellCheck: null } });
  return { episode, history, audits };
}

/** Stores new episodes with their history (the caller audits them): a few statements whatever their number. */
export async function storeNewEpisodes(tx: Queryable, made: readonly NewEpisode[], source: string): Promise<void> {
  await repo.insertEpisodes(tx, made.map((item) => item.episode), source);
  await repo.insertHistory(tx, made.flatMap((item) => item.history));
}

/**
 * Records a child reported missing. `returnedAt` is for history (an import's row that is already
 * over): the whole interval is checked against the child's other episodes before anything is
 * stored, so the order rows arrive in never matters, and the return is recorded with it.
 */
export async function reportMissing(tx: Queryable, input: ReportMissingInput, ctx: RecordingContext, options: { returnedAt?: Date | null } = {}): Promise<Recorded<Episode>> {
  const returnedAt = options.returnedAt ?? null;
  assertPlausible({ reportedAt: input.reportedAt, returnedAt });
  const child = await lockChild(tx, input.child, ctx);
  assertKindFits(input.kind, child);
  const existing =
    (input.policeRef ? await repo.findEpisodeByPoliceRef(tx, input.policeRef) : undefined) ??
    (await repo.findEpisodeByChildAndReport(tx, child.id, input.reportedAt));
  if (existing) {
    if (existing.childId !== child.id) refuse('conflict', [policeRefElsewhere(input.policeRef)]);
    return { value: existing, created: false };
  }
  assertNewEpisode(input.reportedAt, returnedAt, await repo.episodesNear(tx, child.id, input.reportedAt, returnedAt), ctx);
  const made = newEpisode(child, input, returnedAt, ctx);
  await storeNewEpisodes(tx, [made], ctx.actor.name);
  await repo.auditMany(tx, made.audits);
  return { value: made.episode, created: true };
}

export const policeRefElsewhere = (policeRef: string | null): FieldProblem => ({
  path: 'policeRef',
  message: `Police reference ${policeRef} is already recorded for another child: check the reference.`,
});

/**
 * Locks the episode's child, then the episode: changes to one child take turns, as reports do.
 * Answers the child's case reference too: every audit entry names its child, so `audit <case ref>` finds it.
 */
async function lockEpisode(tx: Queryable, id: string): Promise<{ episode: Episode; childRef: string | null }> {
  const found = await repo.findEpisode(tx, id);
  if (!found) throw new DomainError('not_found', `No episode with id ${id}.`);
  const childRef = await repo.lockChild(tx, found.childId);
  return { episode: (await repo.findEpisode(tx, id, { lock: true }))!, childRef };
}

export async function recordReturn(tx: Queryable, episodeId: string, input: RecordReturnInput, ctx: RecordingContext): Promise<Episode> {
  assertPlausible({ returnedAt: input.returnedAt });
  const { episode, childRef } = await lockEpisode(tx, episodeId);
  assertReturnAfterReport(episode.reportedAt, input.returnedAt, ctx.timeZone);
  assertNotFuture('returnedAt', input.returnedAt, ctx.now);
  assertNoOverlap({ id: episode.id, reportedAt: episode.reportedAt, returnedAt: input.returnedAt }, await repo.episodesNear(tx, episode.childId, episode.reportedAt, input.returnedAt), ctx.timeZone, 'returnedAt');
  const updated = await repo.updateEpisode(
    tx,
    episode,
    { returnedAt: input.returnedAt, safeAndWellCheck: input.safeAndWellCheck ?? undefined },
    ctx.actor.name,
    ctx.now,
  );
  if (updated !== episode) {
    await auditAs(tx, ctx, {
      action: episode.returnedAt ? 'episode.return_corrected' : 'episode.returned',
      subjectType: 'episode',
      subjectId: episode.id,
      details: { childRef, safeAndWellCheck: updated.safeAndWellCheck },
    });
  }
  return updated;
}

export async function changeEpisode(tx: Queryable, episodeId: string, input: ChangeEpisodeInput, ctx: RecordingContext): Promise<Episode> {
  const { episode, childRef } = await lockEpisode(tx, episodeId);
  const { riskReason, ...changes } = input;
  const child = await repo.findChildById(tx, episode.childId);
  if (changes.kind && changes.kind !== 'missing_from_home' && !child?.lookedAfter) refuse('validation', [{ path: 'kind', message: NOT_LOOKED_AFTER }]);
  if (changes.policeRef && changes.policeRef !== episode.policeRef && (await repo.findEpisodeByPoliceRef(tx, changes.policeRef))) {
    refuse('conflict', [{ path: 'policeRef', message: `Police reference ${changes.policeRef} is already used by another episode: check the reference.` }]);
  }
  // A grade that changes carries its reason: the risk continuum is read from the history.
  if (changes.riskGrade && episode.riskGrade && changes.riskGrade !== episode.riskGrade && !riskReason) {
    refuse('validation', [{ path: 'riskReason', message: 'Say why the risk grade changed: the reason is kept with the grade history.' }]);
  }
  const told = changes.placingAuthorityNotifiedAt;
  if (told) {
    if (!child || !isOla(child, ctx.localAuthority)) refuse('validation', [{ path: 'placingAuthorityNotifiedAt', message: 'This child was not placed here by another authority: there is no placing authority to tell.' }]);
    assertPlausible({ placingAuthorityNotifiedAt: told });
    assertNotFuture('placingAuthorityNotifiedAt', told, ctx.now);
  }
  const updated = await repo.updateEpisode(tx, episode, changes, ctx.actor.name, ctx.now, riskReason ? { riskGrade: riskReason } : {});
  if (updated !== episode) {
    const fields = Object.keys(changes).filter((key) => JSON.stringify(changes[key as keyof typeof changes]) !== JSON.stringify(episode[key as keyof Episode]));
    await auditAs(tx, ctx, { action: 'episode.changed', subjectType: 'episode', subjectId: episode.id, details: { childRef, fields, riskGrade: updated.riskGrade } });
  }
  return updated;
}

const NOT_LOOKED_AFTER = 'Missing from care and away from placement are for a looked-after child: say the child is looked after, or choose missing from home.';

/** Checks the episodes exist, belong to one child, have returned, and are not covered by another RHI. */
async function coverableEpisodes(tx: Queryable, episodeIds: string[], rhiId: string | null, childId: string | null): Promise<Episode[]> {
  const episodes: Episode[] = [];
  for (const [index, id] of episodeIds.entries()) {
    const episode = await repo.findEpisode(tx, id);
    const path = `episodeIds.${index}`;
    if (!episode) refuse('validation', [{ path, message: `No episode with id ${id}.` }]);
    if (!episode.returnedAt) refuse('validation', [{ path, message: 'An interview is offered after the child comes back: this episode is still open.' }]);
    if ((childId ?? episodes[0]?.childId ?? episode.childId) !== episode.childId) refuse('validation', [{ path, message: 'An interview covers episodes of one child only.' }]);
    episodes.push(episode);
  }
  const covering = (await repo.rhisCoveringEpisodes(tx, episodeIds)).filter((rhi) => rhi.id !== rhiId);
  if (covering.length > 0) {
    refuse('conflict', [{ path: 'episodeIds', message: `One of these episodes is already covered by another interview (${covering[0]!.id}): change that one instead.` }]);
  }
  return episodes;
}

/** The rules on a whole RHI (src/domain/rhi.ts), checked after every change, however it came. */
function assertConsistentRhi(rhi: Omit<ReturnInterview, 'id'>, episodes: Episode[], now: Date): void {
  assertPlausible({ offeredAt: rhi.offeredAt, completedAt: rhi.completedAt });
  const problems = rhiProblems(rhi, episodes.map((episode) => episode.returnedAt!), now);
  if (problems.length > 0) refuse('validation', problems);
}

export async function createRhi(tx: Queryable, input: CreateRhiInput, ctx: RecordingContext): Promise<Recorded<ReturnInterview>> {
  // Requests about one child's episodes take turns: the second sees the first's RHI (by ref, or covering).
  const first = await repo.findEpisode(tx, input.episodeIds[0]!);
  const childRef = first ? await repo.lockChild(tx, first.childId) : null;
  if (input.ref) {
    const existing = await repo.findRhiByExternalRef(tx, input.ref);
    if (existing) {
      const added = input.episodeIds.filter((id) => !existing.episodeIds.includes(id));
      const value = await changeRhi(tx, existing.id, { ...input, addEpisodeIds: added.length ? added : undefined }, ctx);
      return { value, created: false };
    }
  }
  const episodes = await coverableEpisodes(tx, input.episodeIds, null, null);
  const made = newRhi(input, episodes, childRef, ctx);
  await repo.insertRhis(tx, [made.rhi]);
  await repo.audit(tx, made.audit);
  return { value: made.rhi, created: true };
}

/** What a new RHI writes: the interview (with the episodes it covers) and its audit. */
export interface NewRhi {
  rhi: ReturnInterview;
  audit: repo.AuditEntry;
}

/** A new RHI over episodes already found coverable, refused unless its times and outcome add up; unaudited (the import audits each child once). */
export function newRhiRecord(input: CreateRhiInput, episodes: readonly Episode[], ctx: RecordingContext): ReturnInterview {
  const rhi: ReturnInterview = {
    id: newId(),
    childId: episodes[0]!.childId,
    externalRef: input.ref ?? null,
    episodeIds: [...new Set(input.episodeIds)].sort(),
    offeredAt: input.offeredAt ?? null,
    offeredBy: input.offeredBy ?? null,
    outcome: input.outcome ?? (input.completedAt ? 'accepted' : null),
    completedAt: input.completedAt ?? null,
    completedBy: input.completedBy ?? null,
    provider: input.provider ?? null,
  };
  assertConsistentRhi(rhi, [...episodes], ctx.now);
  return rhi;
}

/** A new RHI (`newRhiRecord`) and its audit. */
export function newRhi(input: CreateRhiInput, episodes: readonly Episode[], childRef: string | null, ctx: RecordingContext): NewRhi {
  const rhi = newRhiRecord(input, episodes, ctx);
  const audit = {
    actor: ctx.actor.name,
    actorKind: ctx.actor.kind,
    conversationId: ctx.actor.conversationId,
    action: 'rhi.created',
    subjectType: 'return_interview',
    subjectId: rhi.id,
    details: { childRef, episodes: rhi.episodeIds.length, outcome: rhi.outcome },
  };
  return { rhi, audit };
}

export async function changeRhi(tx: Queryable, id: string, input: ChangeRhiInput, ctx: RecordingContext): Promise<ReturnInterview> {
  const found = await repo.findRhi(tx, id);
  if (!found) throw new DomainError('not_found', `No return interview with id ${id}.`);
  const childRef = await repo.lockChild(tx, found.childId);
  const before = (await repo.findRhi(tx, id, { lock: true }))!;
  const addIds = [...new Set(input.addEpisodeIds ?? [])].filter((episodeId) => !before.episodeIds.includes(episodeId));
  await coverableEpisodes(tx, addIds, before.id, before.childId);
  const changes: repo.RhiChanges = {
    offeredAt: input.offeredAt,
    offeredBy: input.offeredBy,
    outcome: input.outcome ?? (input.completedAt && !before.completedAt ? outcomeOnCompletion(before.outcome) : undefined),
    completedAt: input.completedAt,
    completedBy: input.completedBy,
    provider: input.provider,
  };
  const changed = (Object.keys(changes) as (keyof repo.RhiChanges)[]).filter(
    (key) => changes[key] !== undefined && JSON.stringify(changes[key]) !== JSON.stringify(before[key]),
  );
  const after: ReturnInterview = { ...before, ...Object.fromEntries(changed.map((key) => [key, changes[key]])), episodeIds: [...before.episodeIds, ...addIds].sort() };
  if (changed.length === 0 && addIds.length === 0) return before;
  const episodes = await Promise.all(after.episodeIds.map(async (episodeId) => (await repo.findEpisode(tx, episodeId))!));
  assertConsistentRhi(after, episodes, ctx.now);
  await repo.updateRhi(tx, id, Object.fromEntries(changed.map((key) => [key, changes[key]])));
  await repo.addRhiEpisodes(tx, id, addIds);
  await auditAs(tx, ctx, { action: 'rhi.changed', subjectType: 'return_interview', subjectId: id, details: { childRef, fields: changed, episodesAdded: addIds.length } });
  return after;
}
