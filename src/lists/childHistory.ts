import { formatLocal } from '../domain/calendar';
import { EPISODE_KIND_LABELS, RISK_GRADE_LABELS, type Child, type RiskGrade } from '../domain/types';
import type { Queryable } from '../store/db';
import { noteCategoryWord, notesFor } from '../store/notes';
import { RHI_OUTCOME_LABELS, RHI_PROVIDER_LABELS } from '../domain/rhi';
import { episodeHistory, latestEpisodesOfChild, rhisCoveringEpisodes } from '../store/repositories';
import { actionsOfChild, decisionsOfChild } from '../store/huddle';
import { actionLine } from './actionText';
import { atLocalTime } from '../domain/calendar';

/**
 * A child's history for the missing team: the latest `limit` episodes with their grades and RHI, and
 * the latest `limit` notes, saying how many earlier ones there are (a Teams message is bounded).
 */
export async function childHistoryText(db: Queryable, child: Child, timeZone: string, limit: number, now = new Date()): Promise<string> {
  const at = (date: Date) => formatLocal(date, timeZone);
  const name = [child.givenName, child.familyName].filter(Boolean).join(' ') || child.ref;
  // The latest `limit` episodes only, and how many there are: a child with years of history costs the same.
  const { episodes, total } = await latestEpisodesOfChild(db, child.id, limit);
  const rhis = await rhisCoveringEpisodes(db, episodes.map((episode) => episode.id));
  const lines = [`**${name}** · ${child.ref} · history (${total} episode${total === 1 ? '' : 's'})`];
  for (const episode of episodes) {
    const grades = (await episodeHistory(db, episode.id)).filter((entry) => entry.field === 'riskGrade').map((entry) => `${RISK_GRADE_LABELS[entry.newValue as RiskGrade] ?? 'cleared'} ${at(entry.changedAt)}`);
    const rhi = rhis.find((candidate) => candidate.episodeIds.includes(episode.id));
    const rhiText = rhi
      ? [rhi.offeredAt && `offered ${at(rhi.offeredAt)}`, rhi.outcome && RHI_OUTCOME_LABELS[rhi.outcome], rhi.completedAt && `done ${at(rhi.completedAt)}${rhi.provider ? ` (${RHI_PROVIDER_LABELS[rhi.provider].toLowerCase()})` : ''}`]
          .filter(Boolean)
          .join(', ') || 'recorded'
      : 'none';
    lines.push(
      `- ${EPISODE_KIND_LABELS[episode.kind]}: ${at(episode.reportedAt)} → ${episode.returnedAt ? at(episode.returnedAt) : '**still missing**'} · risk ${grades.join(' → ') || 'not graded'} · RHI ${rhiText}`,
    );
  }
  if (total > limit) lines.push(`- …and ${total - limit} earlier episode${total - limit === 1 ? '' : 's'}`);
  // The huddle's decisions and actions: the latest `limit + 1` of each read, to say whether there are more.
  const [decisions, actions] = await Promise.all([decisionsOfChild(db, child.id, limit + 1), actionsOfChild(db, child.id, limit + 1)]);
  lines.push('', `**Decisions (${decisions.length > limit ? `latest ${limit}` : decisions.length})**`);
  for (const decision of decisions.slice(0, limit)) lines.push(`- ${formatLocal(atLocalTime(decision.listDate, '12:00', timeZone), timeZone, 'EEE d MMM yyyy')}, ${decision.setByName ?? 'the huddle'}: ${decision.body}`);
  if (decisions.length === 0) lines.push('- none yet');
  lines.push('', `**Actions (${actions.length > limit ? `latest ${limit}` : actions.length})**`);
  for (const action of actions.slice(0, limit)) lines.push(`- set ${at(action.setAt)} by ${action.setByName ?? 'the huddle'} · ${actionLine(action, now, timeZone)}`);
  if (actions.length === 0) lines.push('- none yet');
  const notes = await notesFor(db, [child.id], true);
  lines.push('', `**Notes (${notes.length})**`);
  for (const note of notes.slice(0, limit)) lines.push(`- ${at(note.createdAt)} ${note.agencyName}, ${note.authorName} · ${noteCategoryWord(note.category)}${note.restricted ? ' · restricted' : ''}: ${note.body}`);
  if (notes.length > limit) lines.push(`- …and ${notes.length - limit} earlier note${notes.length - limit === 1 ? '' : 's'}`);
  if (notes.length === 0) lines.push('- none yet');
  return lines.join('\n');
}
