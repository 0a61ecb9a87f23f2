import { whoIs } from '../cards/dailyListCard';
import { renderCard, type CardJson } from '../cards/render';
import { formatLocal, localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { summarise } from '../domain/dailyList';
import { escalationFor } from '../domain/escalation';
import { rhiDueAt, rhiState } from '../domain/rhi';
import { EPISODE_KIND_LABELS, EXPLOITATION_LABELS, RISK_GRADE_LABELS, type Child, type Episode } from '../domain/types';
import type { Queryable } from '../store/db';
import { notesFor } from '../store/notes';
import { episodeHistory, listEpisodesOfChild, rhisCoveringEpisodes } from '../store/repositories';
import { seesRestricted, type Audience } from '../domain/access';

/** A child's full card, for the person who asked: everything this conversation may see, and for the missing team the forms to record what happened. */

export interface DetailsRequest {
  child: Child;
  audience: Audience;
  missingTeam: boolean;
  /** The Teams user the view is for (refresh.userIds). */
  userId: string;
  back: { kind: 'daily_list' | 'overdue'; listDate: string; page: number };
  now: Date;
}

export interface ChildFocus {
  episode: Episode | undefined;
  open: boolean;
  rhi: Awaited<ReturnType<typeof rhisCoveringEpisodes>>[number] | undefined;
}

/** The episode the card is about: the open one, else the latest. */
export async function childFocus(db: Queryable, child: Child): Promise<ChildFocus & { episodes: Episode[] }> {
  const episodes = await listEpisodesOfChild(db, child.id);
  const episode = episodes.find((candidate) => !candidate.returnedAt) ?? episodes.at(-1);
  const rhi = episode ? (await rhisCoveringEpisodes(db, [episode.id]))[0] : undefined;
  return { episodes, episode, open: Boolean(episode && !episode.returnedAt), rhi };
}

const hoursText = (ms: number) => {
  const hours = Math.floor(ms / 3_600_000);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
};

export async function childDetailsCard(db: Queryable, request: DetailsRequest, settings: ListSettings): Promise<CardJson> {
  const { child, audience, now } = request;
  const tz = settings.timeZone;
  const { episodes, episode, open, rhi } = await childFocus(db, child);
  const today = localDate(now, tz);
  const summary = summarise(child, today, settings.localAuthority);
  const escalation = escalationFor(episodes, now, settings.escalationRules);
  const state = episode?.returnedAt ? rhiState(episode, rhi, now, settings.rhiDueHours) : 'not_due';
  const status = !episode
    ? 'No episodes recorded.'
    : open
      ? `Missing **${hoursText(now.getTime() - episode.reportedAt.getTime())}** · ${episode.riskGrade ? `${RISK_GRADE_LABELS[episode.riskGrade]} risk` : 'risk not graded'} · ${EPISODE_KIND_LABELS[episode.kind].toLowerCase()}`
      : `Back since ${formatLocal(episode.returnedAt!, tz)} · RHI ${state === 'completed' ? 'done' : state === 'declined' ? 'declined' : `due ${formatLocal(rhiDueAt(episode.returnedAt!, settings.rhiDueHours), tz)}${state === 'overdue' ? ' (**overdue**)' : ''}`}`;
  const facts = [
    { title: 'Looked after', value: !child.lookedAfter ? 'No' : summary.ola ? `Yes, placed here by ${child.placingAuthority} (their RHI to do)` : `Yes, ${child.placementInArea === false ? 'placed out of area' : 'in area'}` },
    ...(audience.displayLevel === 'full' && child.school ? [{ title: 'School', value: child.school }] : []),
    ...(episode
      ? [
          { title: 'Reported', value: formatLocal(episode.reportedAt, tz) },
          { title: 'Police ref', value: episode.policeRef ?? 'not given' },
          { title: 'Last seen', value: episode.lastSeen ?? 'not recorded' },
          { title: 'Concerns', value: episode.exploitationConcerns.map((concern) => EXPLOITATION_LABELS[concern]).join(', ') || 'none recorded' },
          { title: 'Safe and well', value: episode.safeAndWellCheck === 'done' ? 'done' : episode.safeAndWellCheck === 'not_done' ? 'not done' : 'not recorded' },
        ]
      : []),
    { title: 'Repeat', value: `${escalation.episodesInWindow} in ${escalation.windowDays} days${escalation.rule ? ` → ${escalation.rule.label.toLowerCase()} due` : ''}` },
    ...(rhi
      ? [{ title: 'RHI', value: [rhi.offeredAt ? `offered ${formatLocal(rhi.offeredAt, tz)}` : null, rhi.outcome, rhi.completedAt ? `completed ${formatLocal(rhi.completedAt, tz)}` : null].filter(Boolean).join(' · ') || 'recorded' }]
      : []),
  ];
  const riskHistory = episode
    ? (await episodeHistory(db, episode.id))
        .filter((entry) => entry.field === 'riskGrade')
        .map((entry) => ({ text: `${formatLocal(entry.changedAt, tz)}: ${entry.newValue ? RISK_GRADE_LABELS[entry.newValue as keyof typeof RISK_GRADE_LABELS] : 'cleared'}${entry.oldValue ? ` (was ${RISK_GRADE_LABELS[entry.oldValue as keyof typeof RISK_GRADE_LABELS]})` : ''}` }))
    : [];
  const notes = await notesFor(db, [child.id], seesRestricted(audience) || request.missingTeam);
  const target = { ...request.back, childRef: child.ref };
  return renderCard('child-details', {
    refreshData: target,
    userIds: [request.userId],
    style: episode?.riskGrade === 'high' && open ? 'attention' : 'emphasis',
    who: whoIs(summary, audience.displayLevel),
    status,
    facts,
    riskHistory,
    noteCount: notes.length,
    notes: notes.slice(0, 10).map((note) => ({
      text: `**${note.agencyName}** ${formatLocal(note.createdAt, tz)} · ${note.authorName} · ${note.category}${note.restricted ? ' · **restricted**' : ''}: ${note.body}`,
    })),
    missingTeam: request.missingTeam,
    canReturn: open,
    canGrade: Boolean(episode),
    canRhi: Boolean(episode?.returnedAt) && state !== 'completed',
    riskValue: episode?.riskGrade ?? 'medium',
    today,
    timeNow: formatLocal(now, tz, 'HH:mm'),
    actionData: { ...target, episodeId: episode?.id ?? '' },
    backData: request.back,
  });
}
