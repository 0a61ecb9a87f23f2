import { randomUUID } from 'node:crypto';
import { assertNoOverlap, assertReturnAfterReport, authoritiesFor } from '../domain/episodes';
import { dateOfBirthProblem, EVENT_DATE_MESSAGE, isPlausibleEventDate } from '../domain/plausible';
import { DomainError } from '../domain/errors';
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
}

export interface Recorded<T> {
  value: T;
  created: boolean;
}

const auditAs = (tx: Queryable, ctx: RecordingContext, entry: Omit<repo.AuditEntry, 'actor' | 'actorKind' | 'conversationId'>) =>
  repo.audit(tx, { ...entry, actor: ctx.actor.name, actorKind: ctx.actor.kind, conversationId: ctx.actor.conversationId });

/** Every time recorded, however it came (API, import, card), is in the years this service can have. */
function assertPlausible(times: Record<string, Date | null | undefined>): void {
  const problems = Object.entries(times)
    .filter(([, time]) => time && !isPlausibleEventDate(time.toISOString()))
    .map(([path]) => ({ path, message: EVENT_DATE_MESSAGE }));
  if (problems.length > 0) throw new DomainError('validation', 'A time is outside the years this service records.', problems);
}

/** Finds or creates the child and locks its row, so notifications about one child take turns. */
async function lockChild(tx: Queryable, input: ChildInput, ctx: RecordingContext): Promise<Child> {
  const birthProblem = input.dateOfBirth ? dateOfBirthProblem(input.dateOfBirth, ctx.now.toISOString().slice(0, 10)) : null;
  if (birthProblem) throw new DomainError('validation', `The date of birth ${birthProblem}.`, [{ path: 'child.dateOfBirth', message: birthProblem }]);
  await tx.query(
    `insert into children (id, ref, given_name, family_name, date_of_birth, looked_after, placing_authority, placement_in_area, school)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (ref) do nothing`,
    [randomUUID(), input.ref, input.givenName, input.familyName, input.dateOfBirth, input.lookedAfter ?? false, input.placingAuthority, input.placementInArea, input.school],
  );
  const child = (await repo.findChildByRef(tx, input.ref, { lock: true }))!;
  const changes = Object.fromEntries(
    (Object.keys(input) as (keyof ChildInput)[])
      .filter((key) => key !== 'ref' && input[key] !== null && input[key] !== child[key])
      .map((key) => [key, input[key]]),
  );
  if (Object.keys(changes).length === 0) return child;
  await repo.updateChild(tx, child.id, changes);
  await auditAs(tx, ctx, { action: 'child.updated', subjectType: 'child', subjectId: child.ref, details: { fields: Object.keys(changes) } });
  return { ...child, ...changes };
}

export async function reportMissing(tx: Queryable, input: ReportMissingInput, ctx: RecordingContext): Promise<Recorded<Episode>> {
  assertPlausible({ reportedAt: input.reportedAt });
  const child = await lockChild(tx, input.child, ctx);
  if (input.kind !== 'missing_from_home' && !child.lookedAfter) {
    throw new DomainError('validation', 'Missing from care and away from placement apply to a looked-after child.', [
      { path: 'kind', message: 'the child is not looked after (set child.lookedAfter to true)' },
    ]);
  }
  const existing =
    (input.policeRef ? await repo.findEpisodeByPoliceRef(tx, input.policeRef) : undefined) ??
    (await repo.findEpisodeByChildAndReport(tx, child.id, input.reportedAt));
  if (existing) {
    if (existing.childId !== child.id) {
      throw new DomainError('conflict', `Police reference ${input.policeRef} is already recorded for another child; check the reference.`, [
        { path: 'policeRef', message: 'already used by an episode of another child' },
      ]);
    }
    return { value: existing, created: false };
  }
  if (input.reportedAt.getTime() > ctx.now.getTime() + 5 * 60_000) {
    throw new DomainError('validation', 'The report time is in the future.', [{ path: 'reportedAt', message: 'must not be in the future' }]);
  }
  const candidate = { id: '', reportedAt: input.reportedAt, returnedAt: null };
  assertNoOverlap(candidate, await repo.listEpisodesOfChild(tx, child.id));
  const episode = await repo.insertEpisode(
    tx,
    {
      childId: child.id,
      kind: input.kind,
      reportedAt: input.reportedAt,
      returnedAt: null,
      policeRef: input.policeRef,
      riskGrade: input.riskGrade,
      lastSeen: input.lastSeen,
      exploitationConcerns: input.exploitationConcerns,
      safeAndWellCheck: null,
      placingAuthorityNotifiedAt: null,
      ...authoritiesFor(child, ctx.localAuthority),
    },
    ctx.actor.name,
  );
  if (episode.riskGrade) {
    // The first grade is history too: the continuum is read from the first entry on.
    await tx.query(
      `insert into episode_history (id, episode_id, field, old_value, new_value, changed_at, changed_by) values ($1, $2, 'riskGrade', 'null', $3, $4, $5)`,
      [randomUUID(), episode.id, JSON.stringify(episode.riskGrade), input.reportedAt, ctx.actor.name],
    );
  }
  await auditAs(tx, ctx, { action: 'episode.reported', subjectType: 'episode', subjectId: episode.id, details: { childRef: child.ref, kind: episode.kind } });
  return { value: episode, created: true };
}

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
  assertReturnAfterReport(episode.reportedAt, input.returnedAt);
  if (input.returnedAt.getTime() > ctx.now.getTime() + 5 * 60_000) {
    throw new DomainError('validation', 'The return time is in the future.', [{ path: 'returnedAt', message: 'must not be in the future' }]);
  }
  assertNoOverlap({ id: episode.id, reportedAt: episode.reportedAt, returnedAt: input.returnedAt }, await repo.listEpisodesOfChild(tx, episode.childId));
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
  if (input.kind && input.kind !== 'missing_from_home') {
    const child = await repo.findChildById(tx, episode.childId);
    if (!child?.lookedAfter) {
      throw new DomainError('validation', 'Missing from care and away from placement apply to a looked-after child.', [{ path: 'kind', message: 'child is not looked after' }]);
    }
  }
  if (input.policeRef && input.policeRef !== episode.policeRef) {
    const other = await repo.findEpisodeByPoliceRef(tx, input.policeRef);
    if (other) throw new DomainError('conflict', `Police reference ${input.policeRef} is already used by another episode.`, [{ path: 'policeRef', message: 'already used' }]);
  }
  const updated = await repo.updateEpisode(tx, episode, input, ctx.actor.name, ctx.now);
  if (updated !== episode) {
    const fields = Object.keys(input).filter((key) => JSON.stringify(input[key as keyof ChangeEpisodeInput]) !== JSON.stringify(episode[key as keyof Episode]));
    await auditAs(tx, ctx, { action: 'episode.changed', subjectType: 'episode', subjectId: episode.id, details: { childRef, fields, riskGrade: updated.riskGrade } });
  }
  return updated;
}

/** Checks the episodes exist, belong to one child, have returned, and are not covered by another RHI. */
async function coverableEpisodes(tx: Queryable, episodeIds: string[], rhiId: string | null, childId: string | null): Promise<Episode[]> {
  const episodes: Episode[] = [];
  for (const [index, id] of episodeIds.entries()) {
    const episode = await repo.findEpisode(tx, id);
    const path = `episodeIds.${index}`;
    if (!episode) throw new DomainError('validation', `No episode with id ${id}.`, [{ path, message: 'unknown episode' }]);
    if (!episode.returnedAt) throw new DomainError('validation', 'An RHI is offered after the child returns; this episode is still open.', [{ path, message: 'episode has not ended' }]);
    if ((childId ?? episodes[0]?.childId ?? episode.childId) !== episode.childId) {
      throw new DomainError('validation', 'An RHI covers episodes of one child only.', [{ path, message: 'belongs to another child' }]);
    }
    episodes.push(episode);
  }
  const covering = (await repo.rhisCoveringEpisodes(tx, episodeIds)).filter((rhi) => rhi.id !== rhiId);
  if (covering.length > 0) {
    throw new DomainError('conflict', 'One of these episodes is already covered by another RHI; change that RHI instead.', [
      { path: 'episodeIds', message: `covered by RHI ${covering[0]!.id}` },
    ]);
  }
  return episodes;
}

/** The rules on a whole RHI, checked after every change. */
function assertConsistentRhi(rhi: Omit<ReturnInterview, 'id'>, episodes: Episode[]): void {
  assertPlausible({ offeredAt: rhi.offeredAt, completedAt: rhi.completedAt });
  const returns = episodes.map((episode) => episode.returnedAt!.getTime());
  const problems: { path: string; message: string }[] = [];
  if (rhi.completedAt && rhi.completedAt.getTime() < Math.max(...returns)) problems.push({ path: 'completedAt', message: 'is before the child returned' });
  if (rhi.offeredAt && rhi.offeredAt.getTime() < Math.min(...returns)) problems.push({ path: 'offeredAt', message: 'is before the child returned' });
  if (rhi.completedAt && (rhi.outcome === 'declined' || rhi.outcome === 'no_contact')) {
    problems.push({ path: 'outcome', message: `an RHI with outcome ${rhi.outcome} cannot be completed` });
  }
  if (rhi.outcome === 'declined' && !rhi.offeredAt) problems.push({ path: 'offeredAt', message: 'a declined RHI must have been offered: give offeredAt' });
  if (problems.length > 0) throw new DomainError('validation', 'The return interview does not add up.', problems);
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
  const rhi = {
    childId: episodes[0]!.childId,
    externalRef: input.ref ?? null,
    episodeIds: [...new Set(input.episodeIds)],
    offeredAt: input.offeredAt ?? null,
    offeredBy: input.offeredBy ?? null,
    outcome: input.outcome ?? (input.completedAt ? 'accepted' : null),
    completedAt: input.completedAt ?? null,
    completedBy: input.completedBy ?? null,
    provider: input.provider ?? null,
  } satisfies Omit<ReturnInterview, 'id'>;
  assertConsistentRhi(rhi, episodes);
  const created = await repo.insertRhi(tx, rhi);
  await auditAs(tx, ctx, { action: 'rhi.created', subjectType: 'return_interview', subjectId: created.id, details: { childRef, episodes: created.episodeIds.length, outcome: created.outcome } });
  return { value: created, created: true };
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
    outcome: input.outcome ?? (input.completedAt && !before.outcome ? 'accepted' : undefined),
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
  assertConsistentRhi(after, episodes);
  await repo.updateRhi(tx, id, Object.fromEntries(changed.map((key) => [key, changes[key]])));
  await repo.addRhiEpisodes(tx, id, addIds);
  await auditAs(tx, ctx, { action: 'rhi.changed', subjectType: 'return_interview', subjectId: id, details: { childRef, fields: changed, episodesAdded: addIds.length } });
  return after;
}
