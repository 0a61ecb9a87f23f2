import { subDays } from 'date-fns/subDays';
import { renderCard, type CardJson } from '../cards/render';
import { rhiText, riskLine, standingFlags, whoIs } from '../cards/dailyListCard';
import type { Audience } from '../domain/access';
import { formatLocal, localDate } from '../domain/calendar';
import { buildDailyList, riskRank, summarise, type ChildContext, type ChildSummary, type ListSettings, type RhiEntry } from '../domain/dailyList';
import { MEETING_KIND_LABELS } from '../domain/meetings';
import type { Episode } from '../domain/types';
import type { Queryable } from '../store/db';
import { chasedOutBetween, loadListRecords } from '../store/repositories';

/**
 * The weekly high-risk list for senior managers (the Croydon report's): every child missing now or
 * missing at some point in the 7 days to the list, who is graded high risk, has reached an
 * escalation stage, or has an exploitation concern; for each, what happened in the week and what
 * is still outstanding.
 */

export const HIGH_RISK_DAYS = 7;
/** Children a card shows at most (a Teams card has a size limit); the rest are counted. */
export const HIGH_RISK_CARD_LIMIT = 25;

export interface HighRiskChild extends ChildSummary, ChildContext {
  missingNow: boolean;
  /** What happened in the week, oldest first, each with its local time. */
  week: string[];
  /** What is still to do, most pressing first. */
  outstanding: string[];
}

export interface HighRiskList {
  listDate: string;
  from: string;
  asOf: string;
  children: HighRiskChild[];
  /**
   * RHIs the huddle stopped chasing in the week: RHI_CHASE_DAYS after the return, no answer. They
   * leave the daily list and count as not done in the monthly figures; managers see them here.
   */
  chasedOut: { child: ChildSummary; returnedAt: string }[];
  /** How many there were, when more than the card names. */
  chasedOutTotal: number;
  chaseDays: number;
}

/** The list for the week to `asOf` (the list day's post time, or now when asked for). */
export async function loadHighRiskList(db: Queryable, listDate: string, asOf: Date, settings: ListSettings): Promise<HighRiskList> {
  const from = subDays(asOf, HIGH_RISK_DAYS);
  const windowDays = Math.max(...settings.escalationRules.map((rule) => rule.windowDays));
  const windowStart = subDays(asOf, windowDays);
  const records = await loadListRecords(db, asOf, from, windowStart < from ? windowStart : from);
  // The daily list as of then gives each child's context (grade, stage, meeting due, RHIs due).
  const list = buildDailyList(records, listDate, asOf, { ...settings, rhiChaseDays: Math.max(settings.rhiChaseDays, HIGH_RISK_DAYS) });
  const contexts = new Map<string, ChildSummary & ChildContext>();
  for (const entry of [...list.missingNow, ...list.returned, ...list.rhis]) if (!contexts.has(entry.childId)) contexts.set(entry.childId, entry);
  const rhisDue = new Map<string, RhiEntry[]>();
  for (const entry of list.rhis) rhisDue.set(entry.childId, [...(rhisDue.get(entry.childId) ?? []), entry]);
  const missing = new Map(list.missingNow.map((entry) => [entry.childId, entry]));
  const rhiOf = new Map(records.returnInterviews.flatMap((rhi) => rhi.episodeIds.map((id) => [id, rhi] as const)));
  const tz = settings.timeZone;
  const when = (at: Date) => formatLocal(at, tz, 'EEE d MMM HH:mm');
  const inWeek = (at: Date | null) => at !== null && at.getTime() > from.getTime() && at.getTime() <= asOf.getTime();

  // Each child's episodes reported by then, oldest first: grouped once, not searched per child.
  const episodesOf = new Map<string, Episode[]>();
  for (const episode of [...records.episodes].sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime())) {
    if (episode.reportedAt.getTime() <= asOf.getTime()) episodesOf.set(episode.childId, [...(episodesOf.get(episode.childId) ?? []), episode]);
  }
  const meetingsOf = new Map<string, NonNullable<typeof records.meetings>>();
  for (const meeting of records.meetings ?? []) meetingsOf.set(meeting.childId, [...(meetingsOf.get(meeting.childId) ?? []), meeting]);

  const children: HighRiskChild[] = [];
  for (const child of records.children) {
    const episodes = episodesOf.get(child.id) ?? [];
    const active = episodes.filter((episode) => inWeek(episode.reportedAt) || inWeek(episode.returnedAt) || missing.get(child.id)?.episodeId === episode.id);
    const context = contexts.get(child.id);
    if (active.length === 0 || !context) continue;
    const concerns = [...new Set(active.flatMap((episode) => episode.exploitationConcerns))];
    const graded = active.some((episode) => episode.riskGrade === 'high') || context.riskGrade === 'high';
    if (!graded && context.escalationStage === null && concerns.length === 0) continue;

    const week: { at: Date; text: string }[] = [];
    for (const episode of active) {
      if (inWeek(episode.reportedAt)) week.push({ at: episode.reportedAt, text: `reported missing ${when(episode.reportedAt)}` });
      if (inWeek(episode.returnedAt)) week.push({ at: episode.returnedAt!, text: `back ${when(episode.returnedAt!)}` });
      const rhi = rhiOf.get(episode.id);
      if (rhi && inWeek(rhi.offeredAt)) week.push({ at: rhi.offeredAt!, text: `RHI offered ${when(rhi.offeredAt!)}${rhi.outcome === 'declined' ? ', declined' : ''}` });
      if (rhi && inWeek(rhi.completedAt)) week.push({ at: rhi.completedAt!, text: `RHI done ${when(rhi.completedAt!)}` });
    }
    for (const meeting of (meetingsOf.get(child.id) ?? []).filter((item) => item.status === 'booked')) {
      if (inWeek(meeting.startsAt)) week.push({ at: meeting.startsAt, text: `${MEETING_KIND_LABELS[meeting.kind]} held ${when(meeting.startsAt)}` });
    }
    const now = missing.get(child.id);
    const outstanding = [
      now ? `**missing now, ${now.missingForHours} h** (since ${when(new Date(now.reportedAt))})` : null,
      ...(rhisDue.get(child.id) ?? []).map((entry) => rhiText(entry, tz, asOf.toISOString())),
      ...standingFlags(context, tz),
    ].filter((line): line is string => line !== null);
    children.push({ ...context, riskGrade: graded ? 'high' : context.riskGrade, exploitationConcerns: concerns.length ? concerns : context.exploitationConcerns, missingNow: Boolean(now), week: week.sort((a, b) => a.at.getTime() - b.at.getTime()).map((item) => item.text), outstanding });
  }
  // Missing now first, then by risk, then the highest stage.
  children.sort((a, b) => Number(b.missingNow) - Number(a.missingNow) || riskRank(a.riskGrade) - riskRank(b.riskGrade) || (b.escalationStage ?? 0) - (a.escalationStage ?? 0) || a.caseRef.localeCompare(b.caseRef));
  const chased = await chasedOutBetween(db, from, asOf, settings.rhiChaseDays, HIGH_RISK_CARD_LIMIT + 1);
  const chasedOut = chased.slice(0, HIGH_RISK_CARD_LIMIT).map(({ child, returnedAt }) => ({ child: summarise(child, localDate(returnedAt, tz), settings.localAuthority), returnedAt: returnedAt.toISOString() }));
  return { listDate, from: from.toISOString(), asOf: asOf.toISOString(), children, chasedOut, chasedOutTotal: chased.length, chaseDays: settings.rhiChaseDays };
}

/** The list as a card, at the audience's display level (initials by default); no notes, nothing restricted. */
export function highRiskCard(list: HighRiskList, audience: Audience, timeZone: string): CardJson {
  const shown = list.children.slice(0, HIGH_RISK_CARD_LIMIT);
  const week = `${formatLocal(new Date(list.from), timeZone, 'EEE d MMM')} to ${formatLocal(new Date(list.asOf), timeZone, 'EEE d MMM HH:mm')}`;
  return renderCard('high-risk', {
    title: `High-risk list: week to ${formatLocal(new Date(list.asOf), timeZone, 'EEE d MMM')}`,
    summary: list.children.length
      ? `${list.children.length} ${list.children.length === 1 ? 'child' : 'children'}, ${list.children.filter((child) => child.missingNow).length} missing now.`
      : 'No child at high risk went missing this week.',
    rule: `Children missing now or in the ${HIGH_RISK_DAYS} days from ${week} who are graded high risk, have reached an escalation stage, or have an exploitation concern.`,
    children: shown.map((child) => ({
      style: child.riskGrade === 'high' ? 'attention' : 'default',
      who: `${whoIs(child, audience.displayLevel)}${child.escalationLabel ? ` · **${child.escalationLabel}** (${child.episodesInWindow} episodes in ${child.windowDays} days)` : ''}`,
      why: riskLine(child),
      week: `This week: ${child.week.length ? child.week.join('; ') : 'nothing new (missing since before the week)'}.`,
      outstanding: `Outstanding: ${child.outstanding.length ? child.outstanding.join(' · ') : 'nothing'}.`,
    })),
    empty: list.children.length ? '' : 'Nothing to escalate this week.',
    chasedTitle: list.chasedOut.length
      ? `RHIs no longer chased: ${list.chasedOutTotal > list.chasedOut.length ? `more than ${list.chasedOut.length}` : list.chasedOut.length} came to ${list.chaseDays} days after the return this week with no RHI done or declined. They leave the daily list and count as not done in the monthly figures.`
      : '',
    chased: list.chasedOut.map((item) => ({
      line: `${whoIs(item.child, audience.displayLevel)} · back ${formatLocal(new Date(item.returnedAt), timeZone, 'EEE d MMM')}${item.child.ola ? ` · ${item.child.placingAuthority}'s to do` : ''}`,
    })),
    more: list.children.length > shown.length ? `…and ${list.children.length - shown.length} more, not shown (a card holds ${HIGH_RISK_CARD_LIMIT}): the daily list shows every child missing now.` : '',
    footer: audience.displayLevel === 'full' ? 'Full names: this conversation may see them.' : 'Initials and case references only. Tap a child on the daily list for their card.',
  });
}
