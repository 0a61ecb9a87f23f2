import { ageOn, atLocalTime, localDate, previousHuddleAt, type HuddleCalendar } from './calendar';
import { escalationFor, meetingReasons, type EscalationRule, type MeetingReason } from './escalation';
import { meetingDue, nextBooked, type BookedMeeting, type MeetingKind, type MeetingTrigger } from './meetings';
import { isOla } from './episodes';
import { hoursOverdue, rhiDueAt, rhiState, type RhiState } from './rhi';
import type { Child, Episode, ExploitationConcern, ReturnInterview, RiskGrade, EpisodeKind, SafeAndWell, RhiOutcome } from './types';

export interface ListSettings extends HuddleCalendar {
  localAuthority: string;
  rhiDueHours: number;
  /**
   * Days after a return that an unanswered RHI stays on the list (RHI_CHASE_DAYS): the huddle can
   * still act on it. Later it is counted as not done in the monthly figures, not shown every morning.
   */
  rhiChaseDays: number;
  escalationRules: EscalationRule[];
}

/** What the list knows about a child, before a channel's display level picks what to show. */
export interface ChildSummary {
  childId: string;
  caseRef: string;
  initials: string;
  fullName: string | null;
  age: number | null;
  lookedAfter: boolean;
  ola: boolean;
  placingAuthority: string | null;
  placementInArea: boolean | null;
}

/**
 * What the huddle needs beside any row of a child, whichever section it is in: how risky, why, what
 * is due. A child who has come back keeps the concerns and the meeting due.
 */
export interface ChildContext {
  episodeId: string;
  kind: EpisodeKind;
  riskGrade: RiskGrade | null;
  exploitationConcerns: ExploitationConcern[];
  episodesInWindow: number;
  windowDays: number;
  escalationStage: number | null;
  escalationLabel: string | null;
  meetingReasons: MeetingReason[];
  /** For a child placed here by another authority: when that authority was told of the episode. */
  placingAuthorityNotifiedAt: string | null;
  /** The meeting due and why (not yet booked for its trigger), or null. */
  meetingDue: MeetingTrigger | null;
  /** The next booked meeting that has not ended, or null. */
  meetingBooked: { kind: MeetingKind; startsAt: string; joinUrl: string | null } | null;
}

export interface MissingEntry extends ChildSummary, ChildContext {
  reportedAt: string;
  missingForHours: number;
  lastSeen: string | null;
}

export interface ReturnedEntry extends ChildSummary, ChildContext {
  returnedAt: string;
  safeAndWellCheck: SafeAndWell | null;
  rhiDueAt: string;
  rhiState: RhiState;
}

export interface RhiEntry extends ChildSummary, ChildContext {
  rhiId: string | null;
  returnedAt: string;
  dueAt: string;
  state: Extract<RhiState, 'overdue' | 'due_soon'>;
  hoursOverdue: number;
  /** Who owes the RHI: the placing authority for an OLA child, otherwise this authority. */
  owner: string;
  offeredAt: string | null;
  outcome: RhiOutcome | null;
}

/** The children on a day's list, once each, in its order: missing now, back, RHIs due. */
export const childIdsOn = (list: Pick<DailyList, 'missingNow' | 'returned' | 'rhis'>): string[] => [...new Set([...list.missingNow, ...list.returned, ...list.rhis].map((entry) => entry.childId))];

/**
 * What an acknowledgement saw of a child: the case, the episode, its grade and its escalation stage.
 * A child whose key an agency has not acknowledged (added since, regraded, escalated) is new to it.
 */
export const childKey = (entry: Pick<ChildSummary, 'caseRef'> & Pick<ChildContext, 'episodeId' | 'riskGrade' | 'escalationStage'>) =>
  `${entry.caseRef}/${entry.episodeId.slice(0, 8)}/${entry.riskGrade ?? 'ungraded'}/${entry.escalationStage ?? 0}`;

export interface DailyList {
  date: string;
  asOf: string;
  since: string;
  counts: { missingNow: number; returnedSinceLastHuddle: number; rhisOverdue: number; rhisDueSoon: number };
  missingNow: MissingEntry[];
  returned: ReturnedEntry[];
  rhis: RhiEntry[];
}

export interface ListInput {
  children: Child[];
  /** Every episode that may matter: open ones, recent returns and those inside the escalation window. */
  episodes: Episode[];
  returnInterviews: ReturnInterview[];
  /** These children's meetings, booked and cancelled. */
  meetings?: ListMeeting[];
}

export interface ListMeeting extends BookedMeeting {
  childId: string;
  kind: MeetingKind;
  startsAt: Date;
  endsAt: Date;
  joinUrl: string | null;
}

/** High risk first, then a child nobody has graded yet (they stand out until graded), then the rest. */
const RISK_ORDER: Record<RiskGrade, number> = { high: 0, medium: 2, low: 3, no_apparent_risk: 4 };
export const riskRank = (grade: RiskGrade | null) => (grade ? RISK_ORDER[grade] : 1);

export function initialsOf(child: Pick<Child, 'givenName' | 'familyName'>): string {
  const letters = [child.givenName, child.familyName].map((name) => name?.trim().charAt(0).toUpperCase() ?? '').join('');
  return letters || '?';
}

/** What any card may say about who a child is, on a local date. */
export function summarise(child: Child, date: string, localAuthority: string): ChildSummary {
  const fullName = [child.givenName, child.familyName].filter((part) => part && part.trim()).join(' ');
  return {
    childId: child.id,
    caseRef: child.ref,
    initials: initialsOf(child),
    fullName: fullName || null,
    age: ageOn(child.dateOfBirth, date),
    lookedAfter: child.lookedAfter,
    ola: isOla(child, localAuthority),
    placingAuthority: child.placingAuthority,
    placementInArea: child.placementInArea,
  };
}

/**
 * The list for a local date as it stands at `asOf`: children missing now, children returned since the
 * previous huddle, and RHIs overdue or due within a day. Pure: the caller loads the records.
 */
export function buildDailyList(input: ListInput, date: string, asOf: Date, settings: ListSettings): DailyList {
  const since = previousHuddleAt(date, settings);
  const children = new Map(input.children.map((child) => [child.id, child]));
  const rhiByEpisode = new Map<string, ReturnInterview>();
  for (const rhi of input.returnInterviews) for (const episodeId of rhi.episodeIds) rhiByEpisode.set(episodeId, rhi);
  const meetingsByChild = new Map<string, ListMeeting[]>();
  for (const meeting of input.meetings ?? []) meetingsByChild.set(meeting.childId, [...(meetingsByChild.get(meeting.childId) ?? []), meeting]);
  const episodesByChild = new Map<string, Episode[]>();
  for (const episode of input.episodes) {
    if (episode.reportedAt.getTime() > asOf.getTime()) continue; // not yet reported at that time
    episodesByChild.set(episode.childId, [...(episodesByChild.get(episode.childId) ?? []), episode]);
  }

  const missingNow: MissingEntry[] = [];
  const returned: ReturnedEntry[] = [];
  const rhis: RhiEntry[] = [];
  for (const [childId, episodes] of episodesByChild) {
    const child = children.get(childId);
    if (!child) continue;
    const summary = summarise(child, date, settings.localAuthority);
    const escalation = escalationFor(episodes, asOf, settings.escalationRules);
    const latest = episodes.reduce<Episode | undefined>((found, episode) => (!found || episode.reportedAt > found.reportedAt ? episode : found), undefined);
    const meetings = meetingsByChild.get(childId) ?? [];
    const due = meetingDue(escalation, latest, meetings);
    const next = nextBooked(meetings, asOf);
    const booked = next ? { kind: next.kind, startsAt: next.startsAt.toISOString(), joinUrl: next.joinUrl } : null;
    for (const episode of episodes) {
      const returnedAt = episode.returnedAt && episode.returnedAt.getTime() <= asOf.getTime() ? episode.returnedAt : null;
      const context: ChildContext = {
        episodeId: episode.id,
        kind: episode.kind,
        riskGrade: episode.riskGrade,
        exploitationConcerns: episode.exploitationConcerns,
        episodesInWindow: escalation.episodesInWindow,
        windowDays: escalation.windowDays,
        escalationStage: escalation.rule?.stage ?? null,
        escalationLabel: escalation.rule?.label ?? null,
        meetingReasons: meetingReasons(escalation, episode),
        placingAuthorityNotifiedAt: episode.placingAuthorityNotifiedAt?.toISOString() ?? null,
        meetingDue: due,
        meetingBooked: booked,
      };
      if (!returnedAt) {
        missingNow.push({
          ...summary,
          ...context,
          reportedAt: episode.reportedAt.toISOString(),
          missingForHours: Math.floor((asOf.getTime() - episode.reportedAt.getTime()) / 3_600_000),
          lastSeen: episode.lastSeen,
        });
        continue;
      }
      // A past episode shows the child as they were then (their age at the report), not as today.
      const then = summarise(child, localDate(episode.reportedAt, settings.timeZone), settings.localAuthority);
      const rhi = rhiByEpisode.get(episode.id);
      const state = rhiState({ returnedAt }, rhi, asOf, settings.rhiDueHours);
      const dueAt = rhiDueAt(returnedAt, settings.rhiDueHours).toISOString();
      if (returnedAt.getTime() > since.getTime()) {
        returned.push({
          ...then,
          ...context,
          returnedAt: returnedAt.toISOString(),
          safeAndWellCheck: episode.safeAndWellCheck,
          rhiDueAt: dueAt,
          rhiState: state,
        });
      }
      const chased = asOf.getTime() - returnedAt.getTime() < settings.rhiChaseDays * 86_400_000;
      if ((state === 'overdue' || state === 'due_soon') && chased) {
        rhis.push({
          ...then,
          ...context,
          rhiId: rhi?.id ?? null,
          returnedAt: returnedAt.toISOString(),
          dueAt,
          state,
          hoursOverdue: hoursOverdue(returnedAt, asOf, settings.rhiDueHours),
          owner: summary.ola && child.placingAuthority ? child.placingAuthority : (rhi?.offeredBy ?? `${settings.localAuthority} (not yet allocated)`),
          offeredAt: rhi?.offeredAt?.toISOString() ?? null,
          outcome: rhi?.outcome ?? null,
        });
      }
    }
  }

  missingNow.sort((a, b) => riskRank(a.riskGrade) - riskRank(b.riskGrade) || a.reportedAt.localeCompare(b.reportedAt));
  returned.sort((a, b) => riskRank(a.riskGrade) - riskRank(b.riskGrade) || b.returnedAt.localeCompare(a.returnedAt));
  // Most overdue first; due-soon ones (hoursOverdue 0) by the nearest due time.
  rhis.sort((a, b) => (a.state === b.state ? a.dueAt.localeCompare(b.dueAt) : a.state === 'overdue' ? -1 : 1));

  return {
    date,
    asOf: asOf.toISOString(),
    since: since.toISOString(),
    counts: {
      missingNow: missingNow.length,
      returnedSinceLastHuddle: returned.length,
      rhisOverdue: rhis.filter((entry) => entry.state === 'overdue').length,
      rhisDueSoon: rhis.filter((entry) => entry.state === 'due_soon').length,
    },
    missingNow,
    returned,
    rhis,
  };
}

/**
 * The moment a list for `date` describes: now for today, the post time for a past day. A future
 * date has no list yet.
 */
export function listInstant(date: string, now: Date, calendar: HuddleCalendar): Date | null {
  const today = localDate(now, calendar.timeZone);
  if (date > today) return null;
  return date === today ? now : atLocalTime(date, calendar.postTime, calendar.timeZone);
}
