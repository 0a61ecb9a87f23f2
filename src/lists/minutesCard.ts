import { whoIs } from '../cards/dailyListCard';
import { renderCard, type CardJson } from '../cards/render';
import type { Audience } from '../domain/access';
import { atLocalTime, formatLocal } from '../domain/calendar';
import { childIdsOn, summarise, type ListSettings } from '../domain/dailyList';
import { AGENCY_NAMES } from '../domain/types';
import type { Queryable } from '../store/db';
import { findHuddle, huddleRecord, type HuddleAction } from '../store/huddle';
import { findChildById } from '../store/repositories';
import { actionLine } from './actionText';
import { loadDailyList } from './dailyListService';

/**
 * The huddle's minutes for one channel: an agency's own actions first, then the decisions (with the
 * other agencies' actions beside each); the missing team's channel gets every child in full. Children
 * are shown at the channel's display level; nothing restricted is in them (notes are not minutes).
 */

interface Section {
  heading: string;
  lines: { text: string }[];
}

export async function minutesCard(db: Queryable, listDate: string, audience: Audience, settings: ListSettings): Promise<CardJson> {
  const tz = settings.timeZone;
  const [huddle, record] = await Promise.all([findHuddle(db, listDate), huddleRecord(db, listDate)]);
  const asOf = huddle?.closedAt ?? atLocalTime(listDate, '23:59', tz);
  // In the order the day's list gave them (as they were discussed), then any the list no longer shows.
  const list = await loadDailyList(db, listDate, asOf, settings);
  const recorded = new Set([...record.decisions.map((decision) => decision.childId), ...record.actions.map((action) => action.childId)]);
  const childIds = [...new Set([...childIdsOn(list).filter((id) => recorded.has(id)), ...recorded])];
  const children = new Map<string, string>();
  for (const id of childIds) {
    const child = await findChildById(db, id);
    if (child) children.set(id, whoIs(summarise(child, listDate, settings.localAuthority), audience.displayLevel));
  }
  const who = (childId: string) => children.get(childId) ?? 'a child';
  const line = (action: HuddleAction) => actionLine(action, asOf, tz);
  const everyone = audience.agency === 'missing-team';
  const own = everyone ? [] : record.actions.filter((action) => action.ownerAgency === audience.agency);
  const sections: Section[] = [];
  if (own.length) sections.push({ heading: `${AGENCY_NAMES[audience.agency].toUpperCase()}'S ACTIONS (${own.length})`, lines: own.map((action) => ({ text: `${who(action.childId)} · ${line(action)}` })) });
  const decisionOf = new Map(record.decisions.map((decision) => [decision.childId, decision]));
  const byChild = childIds.map((childId) => {
    const others = record.actions.filter((action) => action.childId === childId && (everyone || action.ownerAgency !== audience.agency));
    const decision = decisionOf.get(childId);
    return {
      text: [`${who(childId)}`, decision ? `**Decision:** ${decision.body}` : 'No decision recorded', ...others.map((action) => `- ${line(action)}`)].join('\n'),
    };
  });
  if (byChild.length) sections.push({ heading: everyone ? `DECISIONS AND ACTIONS (${byChild.length} ${byChild.length === 1 ? 'child' : 'children'})` : 'DECISIONS (and other agencies’ actions)', lines: byChild });
  const day = formatLocal(atLocalTime(listDate, '12:00', tz), tz, 'EEE d MMM');
  return renderCard('minutes', {
    title: `Huddle minutes · ${day}${everyone ? '' : ` · for ${AGENCY_NAMES[audience.agency]}`}`,
    summary: `${huddle?.closedAt ? `Closed ${formatLocal(huddle.closedAt, tz, 'HH:mm')} by ${huddle.closedByName ?? 'the chair'}` : 'Not closed'} · ${childIds.length} ${childIds.length === 1 ? 'child' : 'children'} · ${record.actions.length} ${record.actions.length === 1 ? 'action' : 'actions'}`,
    sections,
    empty: sections.length ? '' : 'Nothing was recorded at this huddle.',
    footer: `Times are UK time. Owners mark actions done from the child's card on the daily list; they are reminded before an action is due. ${audience.displayLevel === 'full' ? 'Names shown.' : 'Initials shown.'}`,
  });
}
