import { listEntries } from '../cards/dailyListCard';
import { renderForm } from '../cards/forms';
import { renderCard, type CardJson } from '../cards/render';
import type { Audience } from '../domain/access';
import { defaultActionDue } from '../domain/actions';
import { atLocalTime, formatLocal, localDate } from '../domain/calendar';
import type { DailyList, ListSettings } from '../domain/dailyList';
import type { Queryable } from '../store/db';
import { actionsFor, decisionsOn, type Huddle } from '../store/huddle';
import { actionLine, actionsSummary } from './actionText';
import { actionFields, actionInitial, decisionField } from './childForms';

/**
 * Huddle mode: the day's children in the list's order, one at a time with a small form (the
 * decision, and an action: what, which agency, optionally who, by when), or as a compact agenda
 * saying what has been agreed for each. Only the missing team and chairs are shown it.
 */

export const HUDDLE_SHOW_VERB = 'huddle.show';
export const HUDDLE_SAVE_VERB = 'huddle.save';
export const HUDDLE_CLOSE_VERB = 'huddle.close';
/** The huddle form's inputs. */
export const HUDDLE_FIELDS = ['decisionText', 'actionWhat', 'actionOwner', 'actionPerson', 'actionDueDate', 'actionDueTime'] as const;

export interface HuddleView {
  /** The child shown (its place in the list), or null for the agenda. */
  index: number | null;
  notice?: string;
  /** The form's entries kept on a refusal, and a sentence per refused field. */
  values?: Record<string, string>;
  errors?: Record<string, string>;
  roster?: { title: string; value: string }[];
}

export async function huddleCard(db: Queryable, huddle: Huddle, list: DailyList, view: HuddleView, audience: Audience, now: Date, settings: ListSettings): Promise<CardJson> {
  const tz = settings.timeZone;
  const entries = listEntries(list, audience.displayLevel, tz);
  const childIds = entries.map((entry) => entry.childId);
  const [actions, decisions] = await Promise.all([actionsFor(db, childIds, atLocalTime(huddle.listDate, '00:00', tz)), decisionsOn(db, childIds, huddle.listDate)]);
  const decisionOf = new Map(decisions.map((decision) => [decision.childId, decision]));
  const actionsOf = (childId: string) => actions.filter((action) => action.childId === childId);
  const discussed = entries.filter((entry) => decisionOf.has(entry.childId) || actions.some((action) => action.childId === entry.childId && action.listDate === huddle.listDate)).length;
  const day = formatLocal(atLocalTime(huddle.listDate, '12:00', tz), tz, 'EEE d MMM');
  const status = huddle.closedAt
    ? `Closed ${formatLocal(huddle.closedAt, tz, 'HH:mm')} by ${huddle.closedByName ?? 'the chair'}: the minutes went to every linked agency channel. ${discussed} of ${entries.length} children discussed.`
    : `Open since ${formatLocal(huddle.openedAt, tz, 'HH:mm')} (${huddle.openedByName ?? 'the missing team'}) · ${discussed} of ${entries.length} children discussed so far.`;
  const show = (index: number | null) => ({ listDate: huddle.listDate, index });
  const index = view.index === null || entries.length === 0 ? null : Math.min(Math.max(0, view.index), entries.length - 1);
  const entry = index === null ? undefined : entries[index];
  const closeAction = huddle.closedAt ? [] : [{ title: 'Close huddle and send minutes', verb: HUDDLE_CLOSE_VERB, data: show(index) }];

  if (!entry || index === null) {
    return renderCard('huddle', {
      title: `Huddle · ${day} · agenda`,
      status,
      notice: view.notice ?? '',
      hasChild: false,
      childStyle: 'default',
      childLines: ['', '', ''],
      recorded: [],
      formItems: [],
      agenda: entries.map((item, position) => {
        const decision = decisionOf.get(item.childId);
        const summary = actionsSummary(actionsOf(item.childId), now, tz);
        return {
          style: item.high ? 'attention' : 'default',
          line1: `${position + 1}. ${item.lines[0]}`,
          line2: [decision ? `Decision: ${decision.body.length > 80 ? `${decision.body.slice(0, 79)}…` : decision.body}` : null, summary].filter(Boolean).join(' · ') || 'Not discussed yet',
          select: { title: `Discuss ${item.caseRef}`, data: show(position) },
        };
      }),
      empty: entries.length === 0 ? 'No child is on today’s list: nothing to discuss.' : '',
      footer: 'Tap a child to discuss them. Only the missing team and chairs record here; every agency sees the actions on its own copy of the list.',
      actions: [...(entries.length ? [{ title: 'Start from the first child', verb: HUDDLE_SHOW_VERB, data: show(0) }] : []), ...closeAction],
    });
  }

  const due = defaultActionDue(now, settings);
  const subject = { today: localDate(now, tz), huddle: { roster: view.roster ?? [], due: { date: localDate(due, tz), time: formatLocal(due, tz, 'HH:mm') } } };
  const decision = decisionOf.get(entry.childId);
  const formItems = huddle.closedAt
    ? []
    : renderForm({
        title: 'Decision and action',
        help: 'Leave the action empty if none is needed. The owner is reminded before it is due; by default it is due by the next huddle.',
        fields: [decisionField(false), ...actionFields(subject, false)],
        values: { decisionText: decision?.body ?? '', ...actionInitial(subject), ...(view.values ?? {}) },
        errors: view.errors ?? {},
        submit: { title: index < entries.length - 1 ? 'Save and next child' : 'Save', verb: HUDDLE_SAVE_VERB, data: { ...show(index), childRef: entry.caseRef } },
        cancel: index < entries.length - 1 ? { title: 'Skip', verb: HUDDLE_SHOW_VERB, data: show(index + 1) } : undefined,
      });
  return renderCard('huddle', {
    title: `Huddle · ${day} · child ${index + 1} of ${entries.length}`,
    status,
    notice: view.notice ?? '',
    hasChild: true,
    childStyle: entry.high ? 'attention' : 'default',
    childLines: entry.lines,
    recorded: [...(decision ? [{ text: `**Decision** (${decision.setByName ?? 'the huddle'}): ${decision.body}` }] : []), ...actionsOf(entry.childId).map((action) => ({ text: actionLine(action, now, tz) }))],
    formItems,
    agenda: [],
    empty: '',
    footer: huddle.closedAt ? 'This huddle is closed: add actions from the child’s card on the list.' : 'Times are UK time.',
    actions: [
      // Saves this child's entries and stays, for a second action (a card-level action sends the card's inputs too).
      ...(huddle.closedAt ? [] : [{ title: 'Save and add another action', verb: HUDDLE_SAVE_VERB, data: { ...show(index), childRef: entry.caseRef, stay: true } }]),
      ...(index > 0 ? [{ title: 'Previous', verb: HUDDLE_SHOW_VERB, data: show(index - 1) }] : []),
      { title: 'Agenda', verb: HUDDLE_SHOW_VERB, data: show(null) },
      ...closeAction,
    ],
  });
}
