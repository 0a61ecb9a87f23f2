import { z, type ZodType } from 'zod';
import { CHILD_ACK_VERB, CHILD_DETAILS_VERB, CHILD_NOTE_VERB, LIST_ACK_VERB, LIST_PAGE_VERB } from '../cards/dailyListCard';
import type { CardJson } from '../cards/render';
import { holds, MISSING_TEAM_VIEW, type Audience, type Requirement } from '../domain/access';
import type { DailyList } from '../domain/dailyList';
import { loadDailyList } from '../lists/dailyListService';
import { listCard } from '../lists/listCards';
import { acknowledge } from '../store/acknowledgements';
import { addNote, NOTE_CATEGORIES } from '../store/notes';
import { findChildByRef, findEpisode, rhisCoveringEpisodes } from '../store/repositories';
import { atLocalTime, localDate } from '../domain/calendar';
import { isDomainError } from '../domain/errors';
import { RHI_PROVIDERS, RISK_GRADES, type Child, type Episode } from '../domain/types';
import { childDetailsCard } from '../lists/childDetails';
import { eventDate, reportMissingSchema } from '../recording/schemas';
import { changeEpisode, changeRhi, createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import type { Queryable } from '../store/db';
import { auditTurn, Refusal, type ConversationDeps, type Turn } from './turn';

/**
 * Card actions (Action.Execute → adaptiveCard/action) as one table: verb → who may (requires) →
 * data schema → handler. The router checks `requires`, that the card named was posted here, and the
 * schema, before a handler runs; every handler changes what it says, audits, and answers a card.
 */

export interface ActionContext {
  turn: Turn;
  /** Who the answer is drawn for: the channel's agency, or the missing team's private view. */
  audience: Audience;
  deps: ConversationDeps;
}

const cardTarget = z.object({
  kind: z.enum(['daily_list', 'overdue']),
  listDate: eventDate(),
  page: z.number().int().min(0).max(1000),
});
const childTarget = cardTarget.extend({ childRef: z.string().min(1).max(64) });
const noteTarget = childTarget.extend({ field: z.string().regex(/^[a-z]+-[A-Za-z0-9._\/-]{1,64}$/) });

export interface CardAction<T> {
  requires: Requirement;
  /** What it does, in the words a refusal uses: "Only the missing team can <doing>." */
  doing: string;
  /** Its data names a card (kind, listDate) that must have been posted into this conversation. */
  namesPostedCard: boolean;
  schema: ZodType<T, unknown>;
  handle(ctx: ActionContext, data: T, raw: Record<string, unknown>): Promise<CardJson>;
}

/** Declares an action so that its handler's data is typed by its schema. */
const action = <T>(definition: CardAction<T>): CardAction<T> => definition;

const MISSING_TEAM = ['missing-team'] as const;

/** The updated card for the person who tapped, on the page they were on. */
function answerWithCard(ctx: ActionContext, target: z.infer<typeof cardTarget>, list?: DailyList): Promise<CardJson> {
  return listCard(ctx.deps.db, { kind: target.kind, date: target.listDate, page: target.page, audience: ctx.audience, now: ctx.deps.now(), list }, ctx.deps.settings);
}

const auditAction = (ctx: ActionContext, what: string, details: Record<string, unknown>) => auditTurn(ctx.deps, ctx.turn, what, { agency: ctx.audience.agency, ...details });

/**
 * The child named on the card, if this conversation may see it: on that day's list (what it was
 * shown), or any child for the missing team. Answers the list too when it had to load it, so the
 * card in the answer does not load it again.
 */
async function childOnList(ctx: ActionContext, target: z.infer<typeof childTarget>): Promise<{ child: Child; list?: DailyList }> {
  const child = await findChildByRef(ctx.deps.db, target.childRef);
  if (child && holds(ctx.turn.who, 'missing-team')) return { child };
  const list = child && (await loadDailyList(ctx.deps.db, target.listDate, ctx.deps.now(), ctx.deps.settings));
  const shown = list && [...list.missingNow, ...list.returned, ...list.rhis].some((entry) => entry.childId === child.id);
  if (!child || !list || !shown) throw new Refusal(404, 'That child is not on this list any more. Refresh the card.', 'child not on list');
  return { child, list };
}

const episodeTarget = childTarget.extend({ episodeId: z.uuid() });
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Give the time as HH:MM.');

/**
 * The child's details card for the person who asked (a user-specific card nobody else sees): the
 * missing team's full view with its forms, or the channel's view for anyone else.
 */
function answerWithDetails(ctx: ActionContext, target: z.infer<typeof childTarget>, child: Child): Promise<CardJson> {
  const missingTeam = holds(ctx.turn.who, 'missing-team');
  return childDetailsCard(
    ctx.deps.db,
    { child, audience: missingTeam ? MISSING_TEAM_VIEW : ctx.audience, missingTeam, userId: ctx.turn.userId, back: { kind: target.kind, listDate: target.listDate, page: target.page }, now: ctx.deps.now() },
    ctx.deps.settings,
  );
}

/** The recording use cases, run as the person who tapped, from this conversation. */
function recordingContext(ctx: ActionContext): RecordingContext {
  return { actor: { name: ctx.turn.who.id, kind: 'teams', conversationId: ctx.turn.conversationId }, now: ctx.deps.now(), localAuthority: ctx.deps.settings.localAuthority, timeZone: ctx.deps.settings.timeZone };
}

/** Checks the episode belongs to the child on the card, then records a change to it as the API would. */
async function recordOnEpisode(ctx: ActionContext, data: z.infer<typeof episodeTarget>, change: (tx: Queryable, episode: Episode) => Promise<unknown>) {
  const { child } = await childOnList(ctx, data);
  try {
    await ctx.deps.db.transaction(async (tx) => {
      const episode = await findEpisode(tx, data.episodeId);
      if (!episode || episode.childId !== child.id) throw new Refusal(404, 'That episode is not this child’s. Refresh the card.', 'episode mismatch');
      await change(tx, episode);
    });
  } catch (error) {
    if (isDomainError(error)) throw new Refusal(error.code === 'not_found' ? 404 : 400, [error.message, ...error.problems.map((problem) => problem.message)].join(' '), `domain: ${error.code}`);
    throw error;
  }
  void ctx.deps.refresher.request(data.listDate);
  return answerWithDetails(ctx, data, child);
}

/** Acknowledges the day's list, or one child on it, for the agency acted for; tapping again changes nothing. */
async function acknowledgeFor(ctx: ActionContext, listDate: string, child: Child | null): Promise<void> {
  const { who } = ctx.turn;
  const created = await acknowledge(ctx.deps.db, { listDate, agency: ctx.audience.agency, childId: child?.id ?? null, userId: who.id, userName: who.name, conversationId: ctx.turn.conversationId, at: ctx.deps.now() });
  if (!created) return;
  await auditAction(ctx, child ? 'child.acknowledged' : 'list.acknowledged', { listDate, ...(child ? { childRef: child.ref } : {}) });
  void ctx.deps.refresher.request(listDate);
}

const when = (date: string, time: string, ctx: ActionContext) => atLocalTime(date, time, ctx.deps.settings.timeZone);

const reportForm = z.object({
  childRef: z.string(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  dateOfBirth: z.string().optional(),
  kind: z.string(),
  lookedAfter: z.enum(['true', 'false']).default('false'),
  placingAuthority: z.string().optional(),
  reportedDate: eventDate('Give the date reported.'),
  reportedTime: localTime,
  riskGrade: z.string().optional(),
  policeRef: z.string().optional(),
  lastSeen: z.string().optional(),
  concerns: z.string().optional(),
});

const blankToNull = (value: string | undefined) => (value && value.trim() ? value.trim() : null);

export const ACTIONS: Record<string, CardAction<any>> = {
  'episode.report': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'report a child missing',
    namesPostedCard: false,
    schema: reportForm,
    async handle(ctx, form) {
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
      if (!input.success) throw new Refusal(400, input.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), 'invalid report');
      try {
        await ctx.deps.db.transaction((tx) => reportMissing(tx, input.data, recordingContext(ctx)));
      } catch (error) {
        if (isDomainError(error)) throw new Refusal(400, error.message, `domain: ${error.code}`);
        throw error;
      }
      const child = (await findChildByRef(ctx.deps.db, input.data.child.ref))!;
      // Today's list, whatever date the form carried: the server's clock decides which card changed.
      const today = localDate(ctx.deps.now(), ctx.deps.settings.timeZone);
      void ctx.deps.refresher.request(today);
      return answerWithDetails(ctx, { kind: 'daily_list', listDate: today, page: 0, childRef: child.ref }, child);
    },
  }),
  [CHILD_DETAILS_VERB]: action({
    requires: { who: 'list-viewer' },
    doing: "see a child's details",
    namesPostedCard: true,
    schema: childTarget,
    async handle(ctx, data) {
      const { child } = await childOnList(ctx, data);
      await auditAction(ctx, 'child.disclosed', { childRef: child.ref, displayLevel: holds(ctx.turn.who, 'missing-team') ? 'full' : ctx.audience.displayLevel, private: true });
      return answerWithDetails(ctx, data, child);
    },
  }),
  'child.return': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'record a return',
    namesPostedCard: true,
    schema: episodeTarget.extend({ returnedDate: eventDate('Give the date.'), returnedTime: localTime, safeAndWellCheck: z.enum(['done', 'not_done', '']).default('') }),
    handle: (ctx, data) =>
      recordOnEpisode(ctx, data, (tx, episode) =>
        recordReturn(tx, episode.id, { returnedAt: when(data.returnedDate, data.returnedTime, ctx), safeAndWellCheck: data.safeAndWellCheck || null }, recordingContext(ctx)),
      ),
  }),
  'child.risk': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'change a risk grade',
    namesPostedCard: true,
    schema: episodeTarget.extend({ riskGrade: z.enum(RISK_GRADES) }),
    handle: (ctx, data) => recordOnEpisode(ctx, data, (tx, episode) => changeEpisode(tx, episode.id, { riskGrade: data.riskGrade }, recordingContext(ctx))),
  }),
  'child.rhi': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'record a return home interview',
    namesPostedCard: true,
    schema: episodeTarget.extend({
      rhiStep: z.enum(['offered', 'accepted', 'declined', 'no_contact', 'completed']),
      rhiDate: eventDate('Give the date.'),
      rhiTime: localTime,
      rhiBy: z.string().trim().max(120).optional(),
      rhiProvider: z.enum([...RHI_PROVIDERS, '']).default(''),
    }),
    handle: (ctx, data) =>
      recordOnEpisode(ctx, data, async (tx, episode) => {
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
      }),
  }),
  [LIST_PAGE_VERB]: action({
    requires: { who: 'list-viewer' },
    doing: 'see the daily list',
    namesPostedCard: true,
    schema: cardTarget,
    async handle(ctx, data) {
      await auditAction(ctx, 'list.disclosed', { kind: data.kind, listDate: data.listDate, page: data.page, displayLevel: ctx.audience.displayLevel });
      return answerWithCard(ctx, data);
    },
  }),
  [LIST_ACK_VERB]: action({
    requires: { who: 'agency', power: 'acknowledges' },
    doing: 'acknowledge the list',
    namesPostedCard: true,
    schema: cardTarget,
    async handle(ctx, data) {
      await acknowledgeFor(ctx, data.listDate, null);
      return answerWithCard(ctx, data);
    },
  }),
  [CHILD_ACK_VERB]: action({
    requires: { who: 'agency', power: 'acknowledges' },
    doing: 'acknowledge a child',
    namesPostedCard: true,
    schema: childTarget,
    async handle(ctx, data) {
      const { child, list } = await childOnList(ctx, data);
      await acknowledgeFor(ctx, data.listDate, child);
      return answerWithCard(ctx, data, list);
    },
  }),
  [CHILD_NOTE_VERB]: action({
    requires: { who: 'agency', power: 'addsNotes' },
    doing: 'add information',
    namesPostedCard: true,
    schema: noteTarget,
    async handle(ctx, data, raw) {
      const inputs = z
        .object({
          [`note-text-${data.field}`]: z.string().trim().min(1, 'Write what you know first.').max(500, 'Keep the note to 500 characters.'),
          [`note-category-${data.field}`]: z.enum(NOTE_CATEGORIES).default('other'),
          [`note-restricted-${data.field}`]: z.enum(['true', 'false']).default('false'),
        })
        .safeParse(raw);
      if (!inputs.success) throw new Refusal(400, inputs.error.issues[0]!.message, 'invalid note');
      const { child, list } = await childOnList(ctx, data);
      const { who } = ctx.turn;
      const restricted = inputs.data[`note-restricted-${data.field}`] === 'true';
      const category = inputs.data[`note-category-${data.field}`] as (typeof NOTE_CATEGORIES)[number];
      await addNote(ctx.deps.db, { childId: child.id, agency: ctx.audience.agency, authorId: who.id, authorName: who.name, category, body: inputs.data[`note-text-${data.field}`] as string, restricted, at: ctx.deps.now() });
      // The note's words stay out of the audit log: it records that a note was added, not what it says.
      await auditAction(ctx, 'note.added', { childRef: child.ref, category, restricted });
      void ctx.deps.refresher.request(data.listDate);
      return answerWithCard(ctx, data, list);
    },
  }),
};
