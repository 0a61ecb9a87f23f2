import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z, type ZodType } from 'zod';
import { CHILD_ACK_VERB, CHILD_DETAILS_VERB, CHILD_NOTE_VERB, LIST_ACK_VERB, LIST_PAGE_VERB } from '../cards/dailyListCard';
import type { DailyList, ListSettings } from '../domain/dailyList';
import { loadDailyList } from '../lists/dailyListService';
import { listCard, type Audience } from '../lists/listCards';
import type { CardRefresher } from '../posting/cardRefresher';
import { acknowledge } from '../store/acknowledgements';
import type { Database } from '../store/db';
import { addNote, NOTE_CATEGORIES } from '../store/notes';
import { audit, findChildByRef, findEpisode, rhisCoveringEpisodes } from '../store/repositories';
import { atLocalTime } from '../domain/calendar';
import { isDomainError } from '../domain/errors';
import { RHI_PROVIDERS, RISK_GRADES, type Child, type Episode } from '../domain/types';
import { childDetailsCard } from '../lists/childDetails';
import { reportMissingSchema } from '../recording/schemas';
import { changeEpisode, changeRhi, createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import type { Queryable } from '../store/db';

/**
 * Card actions (Action.Execute → adaptiveCard/action) as one table: verb → data schema → handler.
 * The router has already checked the tenant and who is looking (the audience) before a handler runs;
 * every handler validates its data, changes what it says, audits, and answers the updated card.
 */

export interface ActionDeps {
  db: Database;
  settings: ListSettings;
  now: () => Date;
  refresher: CardRefresher;
}

export interface ActionContext {
  turn: TurnContext;
  audience: Audience;
  /** The person is the missing team (by configuration, team membership or the channel they act in). */
  missingTeam: boolean;
  deps: ActionDeps;
}

export class ActionRefusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

const cardTarget = z.object({
  kind: z.enum(['daily_list', 'overdue']),
  listDate: z.iso.date(),
  page: z.number().int().min(0).max(1000),
});
const childTarget = cardTarget.extend({ childRef: z.string().min(1).max(64) });
const noteTarget = childTarget.extend({ field: z.string().regex(/^[a-z]+-[A-Za-z0-9._\/-]{1,64}$/) });

interface ActionRoute<T> {
  schema: ZodType<T, unknown>;
  handle(ctx: ActionContext, data: T, raw: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse>;
}

/** Declares a route so that its handler's data is typed by its schema. */
const route = <T>(schema: ZodType<T, unknown>, handle: (ctx: ActionContext, data: T, raw: Record<string, unknown>) => Promise<AdaptiveCardInvokeResponse>): ActionRoute<T> => ({ schema, handle });

const cardResponse = (value: Record<string, unknown>): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value });

/** The updated card for the person who tapped, on the page they were on. */
async function answerWithCard(ctx: ActionContext, target: z.infer<typeof cardTarget>, list?: DailyList): Promise<AdaptiveCardInvokeResponse> {
  const card = await listCard(ctx.deps.db, { kind: target.kind, date: target.listDate, page: target.page, audience: ctx.audience, now: ctx.deps.now(), list }, ctx.deps.settings);
  return cardResponse(card);
}

const actor = (turn: TurnContext) => ({ id: turn.activity.from?.aadObjectId ?? turn.activity.from?.id ?? 'unknown', name: turn.activity.from?.name ?? 'Someone' });

async function auditAction(ctx: ActionContext, action: string, details: Record<string, unknown>): Promise<void> {
  await audit(ctx.deps.db, { actor: actor(ctx.turn).id, actorKind: 'teams', action, conversationId: ctx.turn.activity.conversation?.id, details: { agency: ctx.audience.agency, ...details } });
}

function requireAcknowledgingAgency(ctx: ActionContext): void {
  if (ctx.audience.agency === 'missing-team' || ctx.audience.agency === 'management') {
    throw new ActionRefusal(403, 'Agencies acknowledge the list from their own channel.', 'agency does not acknowledge');
  }
}

/**
 * The child named on the card, if this conversation may see it: on that day's list (what it was
 * shown), or any child for the missing team. Answers the list too when it had to load it, so the
 * card in the answer does not load it again.
 */
async function childOnList(ctx: ActionContext, target: z.infer<typeof childTarget>): Promise<{ child: Child; list?: DailyList }> {
  const child = await findChildByRef(ctx.deps.db, target.childRef);
  if (child && ctx.missingTeam) return { child };
  const list = child && (await loadDailyList(ctx.deps.db, target.listDate, ctx.deps.now(), ctx.deps.settings));
  const shown = list && [...list.missingNow, ...list.returned, ...list.rhis].some((entry) => entry.childId === child.id);
  if (!child || !list || !shown) throw new ActionRefusal(404, 'That child is not on this list any more. Refresh the card.', 'child not on list');
  return { child, list };
}

function requireMissingTeam(ctx: ActionContext): void {
  if (!ctx.missingTeam) throw new ActionRefusal(403, 'Only the missing team records returns, risk grades and RHIs.', 'not missing team');
}

const episodeTarget = childTarget.extend({ episodeId: z.uuid() });
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Give the time as HH:MM.');

/** The child's details card for the person who asked, after any change. */
async function answerWithDetails(ctx: ActionContext, target: z.infer<typeof childTarget>, child: Child): Promise<AdaptiveCardInvokeResponse> {
  const card = await childDetailsCard(
    ctx.deps.db,
    { child, audience: ctx.audience, missingTeam: ctx.missingTeam, userId: ctx.turn.activity.from.id, back: { kind: target.kind, listDate: target.listDate, page: target.page }, now: ctx.deps.now() },
    ctx.deps.settings,
  );
  return cardResponse(card);
}

/** The recording use cases, run as the person who tapped, from this conversation. */
function recordingContext(ctx: ActionContext): RecordingContext {
  return { actor: { name: actor(ctx.turn).id, kind: 'teams', conversationId: ctx.turn.activity.conversation.id }, now: ctx.deps.now(), localAuthority: ctx.deps.settings.localAuthority };
}

/** Checks the episode belongs to the child on the card, then records a change to it as the API would. */
async function recordOnEpisode(ctx: ActionContext, data: z.infer<typeof episodeTarget>, change: (tx: Queryable, episode: Episode) => Promise<unknown>) {
  requireMissingTeam(ctx);
  const { child } = await childOnList(ctx, data);
  try {
    await ctx.deps.db.transaction(async (tx) => {
      const episode = await findEpisode(tx, data.episodeId);
      if (!episode || episode.childId !== child.id) throw new ActionRefusal(404, 'That episode is not this child’s. Refresh the card.', 'episode mismatch');
      await change(tx, episode);
    });
  } catch (error) {
    if (isDomainError(error)) throw new ActionRefusal(error.code === 'not_found' ? 404 : 400, [error.message, ...error.problems.map((problem) => problem.message)].join(' '), `domain: ${error.code}`);
    throw error;
  }
  void ctx.deps.refresher.request(data.listDate);
  return answerWithDetails(ctx, data, child);
}

const when = (date: string, time: string, ctx: ActionContext) => atLocalTime(date, time, ctx.deps.settings.timeZone);

const reportForm = z.object({
  listDate: z.iso.date(),
  childRef: z.string(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  dateOfBirth: z.string().optional(),
  kind: z.string(),
  lookedAfter: z.enum(['true', 'false']).default('false'),
  placingAuthority: z.string().optional(),
  reportedDate: z.iso.date('Give the date reported.'),
  reportedTime: localTime,
  riskGrade: z.string().optional(),
  policeRef: z.string().optional(),
  lastSeen: z.string().optional(),
  concerns: z.string().optional(),
});

const blankToNull = (value: string | undefined) => (value && value.trim() ? value.trim() : null);

export const ACTIONS: Record<string, ActionRoute<any>> = {
  'episode.report': route(reportForm, async (ctx, form) => {
    requireMissingTeam(ctx);
    // The form's strings become the notification the API takes, checked by the same schema.
    const input = reportMissingSchema.safeParse({
      child: {
        ref: form.childRef.trim(),
        givenName: blankToNull(form.givenName),
        familyName: blankToNull(form.familyName),
        dateOfBirth: blankToNull(form.dateOfBirth),
        lookedAfter: form.lookedAfter === 'true',
        placingAuthority: blankToNull(form.placingAuthority),
      },
      kind: form.kind,
      reportedAt: when(form.reportedDate, form.reportedTime, ctx).toISOString(),
      riskGrade: blankToNull(form.riskGrade),
      policeRef: blankToNull(form.policeRef),
      lastSeen: blankToNull(form.lastSeen),
      exploitationConcerns: (form.concerns ?? '').split(',').filter(Boolean),
    });
    if (!input.success) throw new ActionRefusal(400, input.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), 'invalid report');
    try {
      await ctx.deps.db.transaction((tx) => reportMissing(tx, input.data, recordingContext(ctx)));
    } catch (error) {
      if (isDomainError(error)) throw new ActionRefusal(400, error.message, `domain: ${error.code}`);
      throw error;
    }
    const child = (await findChildByRef(ctx.deps.db, input.data.child.ref))!;
    void ctx.deps.refresher.request(form.listDate);
    return answerWithDetails(ctx, { kind: 'daily_list', listDate: form.listDate, page: 0, childRef: child.ref }, child);
  }),
  [CHILD_DETAILS_VERB]: route(childTarget, async (ctx, data) => {
    const { child } = await childOnList(ctx, data);
    await auditAction(ctx, 'child.disclosed', { childRef: child.ref, displayLevel: ctx.audience.displayLevel });
    return answerWithDetails(ctx, data, child);
  }),
  'child.return': route(episodeTarget.extend({ returnedDate: z.iso.date('Give the date.'), returnedTime: localTime, safeAndWellCheck: z.enum(['done', 'not_done', '']).default('') }), async (ctx, data) => {
    return recordOnEpisode(ctx, data, (tx, episode) =>
      recordReturn(tx, episode.id, { returnedAt: when(data.returnedDate, data.returnedTime, ctx), safeAndWellCheck: data.safeAndWellCheck || null }, recordingContext(ctx)),
    );
  }),
  'child.risk': route(episodeTarget.extend({ riskGrade: z.enum(RISK_GRADES) }), async (ctx, data) => {
    return recordOnEpisode(ctx, data, (tx, episode) => changeEpisode(tx, episode.id, { riskGrade: data.riskGrade }, recordingContext(ctx)));
  }),
  'child.rhi': route(episodeTarget.extend({
      rhiStep: z.enum(['offered', 'accepted', 'declined', 'no_contact', 'completed']),
      rhiDate: z.iso.date('Give the date.'),
      rhiTime: localTime,
      rhiBy: z.string().trim().max(120).optional(),
      rhiProvider: z.enum([...RHI_PROVIDERS, '']).default(''),
    }), async (ctx, data) => {
    return recordOnEpisode(ctx, data, async (tx, episode) => {
      const at = when(data.rhiDate, data.rhiTime, ctx);
      const by = data.rhiBy || undefined;
      const [existing] = await rhisCoveringEpisodes(tx, [episode.id]);
      const offer = existing?.offeredAt ? {} : { offeredAt: at, offeredBy: by };
      const step = {
        offered: { offeredAt: at, offeredBy: by },
        accepted: { ...offer, outcome: 'accepted' as const },
        declined: { ...offer, outcome: 'declined' as const },
        no_contact: { ...offer, outcome: 'no_contact' as const },
        completed: { ...offer, completedAt: at, completedBy: by, provider: data.rhiProvider || undefined },
      }[data.rhiStep];
      if (existing) await changeRhi(tx, existing.id, step, recordingContext(ctx));
      else await createRhi(tx, { episodeIds: [episode.id], ...step }, recordingContext(ctx));
    });
  }),
  [LIST_PAGE_VERB]: route(cardTarget, async (ctx, data) => {
    await auditAction(ctx, 'list.disclosed', { kind: data.kind, listDate: data.listDate, page: data.page, displayLevel: ctx.audience.displayLevel });
    return answerWithCard(ctx, data);
  }),
  [LIST_ACK_VERB]: route(cardTarget, async (ctx, data) => {
    requireAcknowledgingAgency(ctx);
    const who = actor(ctx.turn);
    const created = await acknowledge(ctx.deps.db, { listDate: data.listDate, agency: ctx.audience.agency, childId: null, userId: who.id, userName: who.name, conversationId: ctx.turn.activity.conversation.id, at: ctx.deps.now() });
    if (created) {
      await auditAction(ctx, 'list.acknowledged', { listDate: data.listDate });
      void ctx.deps.refresher.request(data.listDate);
    }
    return answerWithCard(ctx, data);
  }),
  [CHILD_ACK_VERB]: route(childTarget, async (ctx, data) => {
    requireAcknowledgingAgency(ctx);
    const { child, list } = await childOnList(ctx, data);
    const who = actor(ctx.turn);
    const created = await acknowledge(ctx.deps.db, { listDate: data.listDate, agency: ctx.audience.agency, childId: child.id, userId: who.id, userName: who.name, conversationId: ctx.turn.activity.conversation.id, at: ctx.deps.now() });
    if (created) {
      await auditAction(ctx, 'child.acknowledged', { listDate: data.listDate, childRef: child.ref });
      void ctx.deps.refresher.request(data.listDate);
    }
    return answerWithCard(ctx, data, list);
  }),
  [CHILD_NOTE_VERB]: route(noteTarget, async (ctx, data, raw) => {
    const inputs = z
      .object({
        [`note-text-${data.field}`]: z.string().trim().min(1, 'Write what you know first.').max(500, 'Keep the note to 500 characters.'),
        [`note-category-${data.field}`]: z.enum(NOTE_CATEGORIES).default('other'),
        [`note-restricted-${data.field}`]: z.enum(['true', 'false']).default('false'),
      })
      .safeParse(raw);
    if (!inputs.success) throw new ActionRefusal(400, inputs.error.issues[0]!.message, 'invalid note');
    const { child, list } = await childOnList(ctx, data);
    const who = actor(ctx.turn);
    const restricted = inputs.data[`note-restricted-${data.field}`] === 'true';
    const category = inputs.data[`note-category-${data.field}`] as (typeof NOTE_CATEGORIES)[number];
    await addNote(ctx.deps.db, { childId: child.id, agency: ctx.audience.agency, authorId: who.id, authorName: who.name, category, body: inputs.data[`note-text-${data.field}`] as string, restricted, at: ctx.deps.now() });
    // The note's words stay out of the audit log: it records that a note was added, not what it says.
    await auditAction(ctx, 'note.added', { childRef: child.ref, category, restricted });
    void ctx.deps.refresher.request(data.listDate);
    return answerWithCard(ctx, data, list);
  }),
};
