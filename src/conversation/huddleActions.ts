import { z } from 'zod';
import { errorsBeside, fieldErrors, valuesOf } from '../cards/forms';
import type { CardJson } from '../cards/render';
import { isDomainError } from '../domain/errors';
import { childIdsOn, type DailyList } from '../domain/dailyList';
import { localDate } from '../domain/calendar';
import { huddleCard, HUDDLE_CLOSE_VERB, HUDDLE_FIELDS, HUDDLE_SAVE_VERB, HUDDLE_SHOW_VERB, type HuddleView } from '../lists/huddleCard';
import { huddleSchema } from '../lists/childForms';
import { eventDate } from '../recording/schemas';
import { addAction, closeHuddle, findHuddle, openHuddle, setDecision, type Huddle } from '../store/huddle';
import { HUDDLE_OPEN_VERB } from '../cards/dailyListCard';
import { listCard } from '../lists/listCards';
import { findChildByRef } from '../store/repositories';
import { checkedAction, rosterChoices, RUNS_HUDDLE, type ActionContext, type CardAction } from './cardActions';
import { auditTurn, Refusal } from './turn';

/**
 * Huddle mode's card actions: show a child (or the agenda), save a child's decision and action and
 * move on, close the huddle (the minutes go out). The missing team and chairs only; the huddle must
 * have been opened for that day (by the huddle command), and a closed one takes no more entries.
 */

const huddleTarget = z.object({ listDate: eventDate(), index: z.number().int().min(0).max(1000).nullable() });

async function theHuddle(ctx: ActionContext, listDate: string): Promise<Huddle> {
  const huddle = await findHuddle(ctx.deps.db, listDate);
  if (!huddle) throw new Refusal(404, 'No huddle was opened for that day. Send huddle to open today’s.', 'no huddle');
  return huddle;
}

/** The huddle card at a child (or the agenda) for the person who tapped: from the day's list, or the one the caller has read already. */
async function answer(ctx: ActionContext, huddle: Huddle, view: HuddleView, read?: DailyList): Promise<CardJson> {
  const { deps } = ctx;
  const now = deps.now();
  const list = read ?? (await deps.lists.get(deps.db, huddle.listDate, now, deps.settings));
  const roster = view.index !== null && !huddle.closedAt ? rosterChoices(await ctx.turn.roster()) : [];
  return huddleCard(deps.db, huddle, list, { roster, ...view }, ctx.audience, now, deps.settings);
}

const SAVE_FIELD_OF: Record<string, string> = { dueAt: 'actionDueTime', actionPerson: 'actionPerson' };

const listTarget = z.object({ kind: z.literal('daily_list'), listDate: eventDate(), page: z.number().int().min(0).max(1000) });

/** Opens (or finds) today's huddle, and says so in the audit when this opened it. */
export async function openToday(ctx: Pick<ActionContext, 'turn' | 'deps'>): Promise<{ huddle: Huddle; opened: boolean }> {
  const now = ctx.deps.now();
  const today = localDate(now, ctx.deps.settings.timeZone);
  const result = await openHuddle(ctx.deps.db, today, ctx.turn.who, now);
  if (result.opened) await auditTurn(ctx.deps, ctx.turn, 'huddle.opened', { listDate: today });
  return result;
}

export const HUDDLE_ACTIONS: Record<string, CardAction<any>> = {
  [HUDDLE_OPEN_VERB]: {
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'run the huddle',
    namesPostedCard: true,
    schema: listTarget,
    async handle(ctx, data: z.infer<typeof listTarget>) {
      const { deps } = ctx;
      const now = deps.now();
      if (data.listDate !== localDate(now, deps.settings.timeZone)) throw new Refusal(400, 'That list is from an earlier day: the huddle runs on today’s list. Send list for today’s.', 'not today');
      const { huddle, opened } = await openToday(ctx);
      // The huddle is its own message below the list, which stays as every agency's copy shows it.
      await ctx.turn.reply(await answer(ctx, huddle, { index: null }));
      const list = await deps.lists.get(deps.db, data.listDate, now, deps.settings);
      const notice = opened ? 'Huddle opened: its agenda is posted below this list.' : 'Today’s huddle was already open: its agenda is posted below again.';
      return listCard(deps.db, { kind: 'daily_list', date: data.listDate, page: data.page, audience: ctx.audience, now, list, notice }, deps.settings);
    },
  },
  [HUDDLE_SHOW_VERB]: {
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'run the huddle',
    namesPostedCard: false,
    schema: huddleTarget,
    async handle(ctx, data: z.infer<typeof huddleTarget>) {
      return answer(ctx, await theHuddle(ctx, data.listDate), { index: data.index });
    },
  },
  [HUDDLE_SAVE_VERB]: {
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'record the huddle’s decisions and actions',
    namesPostedCard: false,
    schema: huddleTarget.extend({ index: z.number().int().min(0).max(1000), childRef: z.string().min(1).max(64), stay: z.boolean().optional() }),
    async handle(ctx, data: { listDate: string; index: number; childRef: string; stay?: boolean }, raw) {
      const huddle = await theHuddle(ctx, data.listDate);
      const values = valuesOf([...HUDDLE_FIELDS], raw);
      if (huddle.closedAt) throw new Refusal(400, 'This huddle is closed and its minutes have gone out: add actions from the child’s card on the list.', 'huddle closed');
      const child = await findChildByRef(ctx.deps.db, data.childRef);
      // Read once: the check below and the card answered (a decision or action does not change the list's children).
      const list = await ctx.deps.lists.get(ctx.deps.db, huddle.listDate, ctx.deps.now(), ctx.deps.settings);
      if (!child || !childIdsOn(list).includes(child.id)) {
        throw new Refusal(404, 'That child is not on this huddle’s list any more. Open the agenda again.', 'child not on list');
      }
      const again = (errors: Record<string, string>) => answer(ctx, huddle, { index: data.index, values, errors }, list);
      const form = huddleSchema.safeParse(values);
      if (!form.success) {
        await auditTurn(ctx.deps, ctx.turn, 'form.refused', { form: 'huddle', childRef: child.ref, fields: form.error.issues.map((issue) => issue.path.join('.')) });
        return again(fieldErrors(form.error.issues));
      }
      const { decisionText, actionWhat, actionOwner } = form.data;
      const now = ctx.deps.now();
      let saved: string[];
      try {
        saved = await ctx.deps.db.transaction(async (tx) => {
          const done: string[] = [];
          if (decisionText && (await setDecision(tx, { childId: child.id, listDate: huddle.listDate, body: decisionText, by: ctx.turn.who, at: now })).changed) done.push('decision');
          if (actionWhat && actionOwner) {
            const input = await checkedAction(ctx, tx, child, { ...form.data, actionWhat, actionOwner });
            await addAction(tx, { ...input, listDate: huddle.listDate });
            done.push('action');
          }
          return done;
        });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return again(errorsBeside(error, SAVE_FIELD_OF));
      }
      if (saved.length) {
        // What was recorded, not its words (they may hold what a child said).
        await auditTurn(ctx.deps, ctx.turn, 'huddle.recorded', { listDate: huddle.listDate, childRef: child.ref, decision: saved.includes('decision'), action: saved.includes('action') });
        void ctx.deps.refresher.request(localDate(now, ctx.deps.settings.timeZone));
      }
      const notice = saved.length ? `✓ Saved for ${child.ref}: ${saved.join(' and ')}. Every agency's copy of the list shows the actions.` : `Nothing new recorded for ${child.ref}.`;
      return answer(ctx, huddle, { index: data.stay ? data.index : data.index + 1, notice: data.stay && saved.length ? `${notice} Add the next action below.` : notice }, list);
    },
  },
  [HUDDLE_CLOSE_VERB]: {
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'close the huddle',
    namesPostedCard: false,
    schema: huddleTarget,
    async handle(ctx, data: z.infer<typeof huddleTarget>) {
      const huddle = await theHuddle(ctx, data.listDate);
      const closed = await closeHuddleAndSend(ctx, huddle.listDate);
      return answer(ctx, (await findHuddle(ctx.deps.db, huddle.listDate))!, { index: null, notice: closed });
    },
  },
};

/** Closes the day's huddle once and sends its minutes; answers what happened, in a sentence. */
export async function closeHuddleAndSend(ctx: Pick<ActionContext, 'turn' | 'deps'>, listDate: string): Promise<string> {
  const { deps } = ctx;
  const closed = await closeHuddle(deps.db, listDate, ctx.turn.who, deps.now());
  if (!closed) return 'This huddle was already closed: its minutes went out then, once to each channel.';
  await auditTurn(deps, ctx.turn, 'huddle.closed', { listDate });
  // The poster claims the minutes once per channel, as it does the daily list, and retries what fails.
  deps.postNow();
  return '✓ Huddle closed. The minutes are going out now: each agency channel gets its own actions first, then the decisions; this channel gets them in full.';
}
