import { formatLocal, localDate } from '../domain/calendar';
import { AGENCY_NAMES } from '../domain/types';
import type { HuddleAction } from '../store/huddle';

/** An action's words wherever it is shown: the list's line, the child's card, the minutes, a reminder. */

/** An action's owner: the agency, and the person when one was named. */
export const ownerText = (action: Pick<HuddleAction, 'ownerAgency' | 'ownerName'>) => `${AGENCY_NAMES[action.ownerAgency]}${action.ownerName ? ` (${action.ownerName})` : ''}`;

/** When it is due: the time alone today, else the day and time. */
export function dueText(dueAt: Date, now: Date, timeZone: string): string {
  return localDate(dueAt, timeZone) === localDate(now, timeZone) ? formatLocal(dueAt, timeZone, 'HH:mm') : formatLocal(dueAt, timeZone, 'HH:mm EEE d MMM');
}

/** "Police (Pat Police): check the address · by 14:00 · **overdue**", or how it was closed. */
export function actionLine(action: HuddleAction, now: Date, timeZone: string): string {
  const head = `${ownerText(action)}: ${action.what}`;
  if (action.status === 'done') return `✓ ${head} · done ${formatLocal(action.closedAt!, timeZone, 'HH:mm EEE')}${action.closedByName ? ` by ${action.closedByName}` : ''}`;
  if (action.status === 'not_possible') return `✗ ${head} · not possible: ${action.closedReason}`;
  return `${head} · by ${dueText(action.dueAt, now, timeZone)}${action.dueAt <= now ? ' · **overdue**' : ''}`;
}

/** The list's line for a child's actions: "2 actions · Police: check the address by 14:00" (the open one due first). */
export function actionsSummary(actions: HuddleAction[], now: Date, timeZone: string): string | null {
  const open = actions.filter((action) => action.status === 'open');
  const closed = actions.length - open.length;
  if (actions.length === 0) return null;
  const first = open[0];
  const next = first && `${AGENCY_NAMES[first.ownerAgency]}: ${first.what.length > 60 ? `${first.what.slice(0, 59)}…` : first.what} by ${dueText(first.dueAt, now, timeZone)}${first.dueAt <= now ? ' (**overdue**)' : ''}`;
  const plural = (n: number) => `${n} action${n === 1 ? '' : 's'}`;
  const count = open.length ? `${plural(open.length)}${closed ? ` (${closed} closed)` : ''}` : `${plural(closed)} closed`;
  return [count, next].filter(Boolean).join(' · ');
}
