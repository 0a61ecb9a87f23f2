import { localDate } from './calendar';
import { isOla } from './episodes';
import { completedInTime } from './rhi';
import type { Child, Episode, ReturnInterview } from './types';

/**
 * The monthly missing KPIs (the Croydon table), for episodes that started in one local calendar
 * month. Children placed here by other authorities are excluded: their RHI is the placing
 * authority's to count.
 */
export interface MonthlyKpis {
  month: string; // YYYY-MM
  childrenMissing: number;
  childrenOfferedRhi: number;
  childrenWithRhiDone: number;
  episodes: number;
  episodesWithRhiDone: number;
  /** Percentages are 0–100 with one decimal, or null when there is nothing to divide by. */
  rhiOfferRateChildren: number | null;
  episodesWithRhiDonePct: number | null;
  lacEpisodesWithRhiDonePct: number | null;
  rhisCompletedWithinDuePct: number | null;
  olaEpisodesExcluded: number;
}

const percent = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

export function monthlyKpis(
  month: string,
  input: { children: Child[]; episodes: Episode[]; returnInterviews: ReturnInterview[] },
  settings: { timeZone: string; localAuthority: string; rhiDueHours: number },
): MonthlyKpis {
  const children = new Map(input.children.map((child) => [child.id, child]));
  const rhiByEpisode = new Map<string, ReturnInterview>();
  for (const rhi of input.returnInterviews) for (const id of rhi.episodeIds) rhiByEpisode.set(id, rhi);

  const inMonth = input.episodes.filter((episode) => localDate(episode.reportedAt, settings.timeZone).startsWith(month));
  const counted = inMonth.filter((episode) => {
    const child = children.get(episode.childId);
    return child !== undefined && !isOla(child, settings.localAuthority);
  });
  const done = (episode: Episode) => Boolean(rhiByEpisode.get(episode.id)?.completedAt);
  const offered = (episode: Episode) => Boolean(rhiByEpisode.get(episode.id)?.offeredAt);
  const distinct = (episodes: Episode[]) => new Set(episodes.map((episode) => episode.childId)).size;

  const lacEpisodes = counted.filter((episode) => children.get(episode.childId)?.lookedAfter);
  const doneEpisodes = counted.filter(done);
  const childrenMissing = distinct(counted);
  const childrenOffered = distinct(counted.filter(offered));
  return {
    month,
    childrenMissing,
    childrenOfferedRhi: childrenOffered,
    childrenWithRhiDone: distinct(doneEpisodes),
    episodes: counted.length,
    episodesWithRhiDone: doneEpisodes.length,
    rhiOfferRateChildren: percent(childrenOffered, childrenMissing),
    episodesWithRhiDonePct: percent(doneEpisodes.length, counted.length),
    lacEpisodesWithRhiDonePct: percent(lacEpisodes.filter(done).length, lacEpisodes.length),
    rhisCompletedWithinDuePct: percent(
      doneEpisodes.filter((episode) => completedInTime(episode, rhiByEpisode.get(episode.id), settings.rhiDueHours)).length,
      doneEpisodes.length,
    ),
    olaEpisodesExcluded: inMonth.length - counted.length,
  };
}
