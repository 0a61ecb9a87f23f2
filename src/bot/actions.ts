import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z, type ZodType } from 'zod';
import { CHILD_ACK_VERB, CHILD_NOTE_VERB, LIST_ACK_VERB, LIST_PAGE_VERB } from '../cards/dailyListCard';
import type { ListSettings } from '../domain/dailyList';
import { loadDailyList } from '../lists/dailyListService';
import { listCard, type Audience } from '../lists/listCards';
import type { CardRefresher } from '../posting/cardRefresher';
import { acknowledge } from '../store/acknowledgements';
import type { Database } from '../store/db';
import { addNote, NOTE_CATEGORIES } from '../store/notes';
import { audit, findChildByRef } from '../store/repositories';

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
  schema: ZodType<T>;
  handle(ctx: ActionContext, data: T, raw: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse>;
}

const cardResponse = (value: Record<string, unknown>): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value });

/** The updated card for the person who tapped, on the page they were on. */
async function answerWithCard(ctx: ActionContext, target: z.infer<typeof cardTarget>): Promise<AdaptiveCardInvokeResponse> {
  const card = await listCard(ctx.deps.db, { kind: target.kind, date: target.listDate, page: target.page, audience: ctx.audience, now: ctx.deps.now() }, ctx.deps.settings);
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

/** The child named on the card, if it is on that day's list (what this conversation was shown). */
async function childOnList(ctx: ActionContext, target: z.infer<typeof childTarget>) {
  const child = await findChildByRef(ctx.deps.db, target.childRef);
  const list = child && (await loadDailyList(ctx.deps.db, target.listDate, ctx.deps.now(), ctx.deps.settings));
  const shown = list && [...list.missingNow, ...list.returned, ...list.rhis].some((entry) => entry.childId === child.id);
  if (!child || !shown) throw new ActionRefusal(404, 'That child is not on this list any more. Refresh the card.', 'child not on list');
  return child;
}

export const ACTIONS: Record<string, ActionRoute<any>> = {
  [LIST_PAGE_VERB]: {
    schema: cardTarget,
    async handle(ctx, data: z.infer<typeof cardTarget>) {
      await auditAction(ctx, 'list.disclosed', { kind: data.kind, listDate: data.listDate, page: data.page, displayLevel: ctx.audience.displayLevel });
      return answerWithCard(ctx, data);
    },
  },
  [LIST_ACK_VERB]: {
    schema: cardTarget,
    async handle(ctx, data: z.infer<typeof cardTarget>) {
      requireAcknowledgingAgency(ctx);
      const who = actor(ctx.turn);
      const created = await acknowledge(ctx.deps.db, { listDate: data.listDate, agency: ctx.audience.agency, childId: null, userId: who.id, userName: who.name, conversationId: ctx.turn.activity.conversation.id, at: ctx.deps.now() });
      if (created) {
        await auditAction(ctx, 'list.acknowledged', { listDate: data.listDate });
        void ctx.deps.refresher.request(data.listDate);
      }
      return answerWithCard(ctx, data);
    },
  },
  [CHILD_ACK_VERB]: {
    schema: childTarget,
    async handle(ctx, data: z.infer<typeof childTarget>) {
      requireAcknowledgingAgency(ctx);
      const child = await childOnList(ctx, data);
      const who = actor(ctx.turn);
      const created = await acknowledge(ctx.deps.db, { listDate: data.listDate, agency: ctx.audience.agency, childId: child.id, userId: who.id, userName: who.name, conversationId: ctx.turn.activity.conversation.id, at: ctx.deps.now() });
      if (created) {
        await auditAction(ctx, 'child.acknowledged', { listDate: data.listDate, childRef: child.ref });
        void ctx.deps.refresher.request(data.listDate);
      }
      return answerWithCard(ctx, data);
    },
  },
  [CHILD_NOTE_VERB]: {
    schema: noteTarget,
    async handle(ctx, data: z.infer<typeof noteTarget>, raw) {
      const inputs = z
        .object({
          [`note-text-${data.field}`]: z.string().trim().min(1, 'Write what you know first.').max(500, 'Keep the note to 500 characters.'),
          [`note-category-${data.field}`]: z.enum(NOTE_CATEGORIES).default('other'),
          [`note-restricted-${data.field}`]: z.enum(['true', 'false']).default('false'),
        })
        .safeParse(raw);
      if (!inputs.success) throw new ActionRefusal(400, inputs.error.issues[0]!.message, 'invalid note');
      const child = await childOnList(ctx, data);
      const who = actor(ctx.turn);
      const restricted = inputs.data[`note-restricted-${data.field}`] === 'true';
      const category = inputs.data[`note-category-${data.field}`] as (typeof NOTE_CATEGORIES)[number];
      await addNote(ctx.deps.db, { childId: child.id, agency: ctx.audience.agency, authorId: who.id, authorName: who.name, category, body: inputs.data[`note-text-${data.field}`] as string, restricted, at: ctx.deps.now() });
      // The note's words stay out of the audit log: it records that a note was added, not what it says.
      await auditAction(ctx, 'note.added', { childRef: child.ref, category, restricted });
      void ctx.deps.refresher.request(data.listDate);
      return answerWithCard(ctx, data);
    },
  },
};
