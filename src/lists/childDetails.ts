import { riskText, whoIs } from '../cards/dailyListCard';
import { renderForm } from '../cards/forms';
import { renderCard, type CardJson } from '../cards/render';
import { AGENCY_POWERS, acknowledges, seesRestricted, type Audience } from '../domain/access';
import { formatLocal, localDate } from '../domain/calendar';
import { childKey, summarise, type ListSettings } from '../domain/dailyList';
import { returnCorrectable } from '../domain/episodes';
import { escalationFor } from '../domain/escalation';
import { nextRhiSteps, RHI_OUTCOME_LABELS, RHI_PROVIDER_LABELS, rhiDueAt, rhiState } from '../domain/rhi';
import { AGENCY_NAMES, EPISODE_KIND_LABELS, EXPLOITATION_LABELS, RISK_GRADE_LABELS, type Child, type Episode } from '../domain/types';
import { acknowledgementsOn } from '../store/acknowledgements';
import type { Queryable } from '../store/db';
import { noteCategoryWord, notesFor } from '../store/notes';
import { episodeHistory, recentEpisodesOfChild, rhisCoveringEpisodes } from '../store/repositories';
import type { Escalation, EscalationRule } from '../domain/escalation';
import { CHILD_FORMS, type FormName, type FormSubject } from './childForms';
import { bookedText } from '../cards/dailyListCard';
import { meetingDue, meetingDueText, nextBooked } from '../domain/meetings';
import type { MeetingSettings } from '../meetings/booking';
import { meetingsOf } from '../store/meetings';
import { actionsFor, decisionsOfChild } from '../store/huddle';
import { actionLine, ownerText } from './actionText';
import { atLocalTime } from '../domain/calendar';
import { defaultActionDue } from '../domain/actions';

/**
 * A child's card, for the person who asked (only they see it): what this conversation may see, what
 * is new, and the things this person may do about the child, each one a form drawn in the card.
 */

export interface DetailsRequest {
  child: Child;
  audience: Audience;
  missingTeam: boolean;
  /** The Teams user the view is for (refresh.userIds). */
  userId: string;
  back: { kind: 'daily_list' | 'overdue'; listDate: string; page: number };
  now: Date;
  /** A form to draw open: its entries (kept on a refusal) and a sentence per field that was refused. */
  form?: { name: FormName; values?: Record<string, string>; errors?: Record<string, string>; slots?: { title: string; value: string }[]; unknown?: string[]; actionId?: string };
  /** The team's people an action can be given to (the action form's choice). */
  roster?: { title: string; value: string }[];
  /** A confirmation of what was just recorded, in words. */
  notice?: string;
  /** Chairs book meetings: who is asking, and how meetings are booked here. */
  chair: boolean;
  meetings: Pick<MeetingSettings, 'contacts' | 'calendar' | 'organiser' | 'links'>;
}

export interface ChildFocus {
  episode: Episode | undefined;
  open: boolean;
  rhi: Awaited<ReturnType<typeof rhisCoveringEpisodes>>[number] | undefined;
}

/**
 * The episodes a child's card reads, however long the child's history: those inside the widest
 * escalation window, any open, and the latest (oldest first).
 */
export function episodesForCard(db: Queryable, childId: string, now: Date, rules: EscalationRule[]): Promise<Episode[]> {
  const windowDays = Math.max(...rules.map((rule) => rule.windowDays));
  return recentEpisodesOfChild(db, childId, new Date(now.getTime() - windowDays * 86_400_000));
}

/** The episode a card is about: the open one, else the latest (episodes oldest first). */
export const focusOf = (episodes: Episode[]) => episodes.find((candidate) => !candidate.returnedAt) ?? episodes.at(-1);

/** The child as its card shows it, by key: what acknowledging the child covers (null without an episode). */
export const cardKey = (child: Child, focus: Episode | undefined, escalation: Escalation) =>
  focus ? childKey({ caseRef: child.ref, episodeId: focus.id, riskGrade: focus.riskGrade, escalationStage: escalation.rule?.stage ?? null }) : null;

/** The episode the card is about, its episodes and its RHI. */
export async function childFocus(db: Queryable, child: Child, now: Date, rules: EscalationRule[]): Promise<ChildFocus & { episodes: Episode[] }> {
  const episodes = await episodesForCard(db, child.id, now, rules);
  const episode = focusOf(episodes);
  const rhi = episode ? (await rhisCoveringEpisodes(db, [episode.id]))[0] : undefined;
  return { episodes, episode, open: Boolean(episode && !episode.returnedAt), rhi };
}

const hoursText = (ms: number) => {
  const hours = Math.floor(ms / 3_600_000);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
};

/** What this person may do from this card, by what they hold and the agency the place acts for. */
interface Powers {
  recordsReturns: boolean;
  addsNotes: boolean;
  acknowledges: boolean;
  missingTeam: boolean;
}

export async function childDetailsCard(db: Queryable, request: DetailsRequest, settings: ListSettings): Promise<CardJson> {
  const { child, audience, now } = request;
  const tz = settings.timeZone;
  const { episodes, episode, open, rhi } = await childFocus(db, child, now, settings.escalationRules);
  const today = localDate(now, tz);
  const summary = summarise(child, today, settings.localAuthority);
  const escalation = escalationFor(episodes, now, settings.escalationRules);
  const state = episode?.returnedAt ? rhiState(episode, rhi, now, settings.rhiDueHours) : 'not_due';
  const history = episode ? await episodeHistory(db, episode.id) : [];
  const returnRecordedAt = history.filter((entry) => entry.field === 'returnedAt').at(-1)?.changedAt ?? null;
  const powers: Powers = {
    recordsReturns: request.missingTeam || AGENCY_POWERS[audience.agency].recordsReturns,
    addsNotes: AGENCY_POWERS[audience.agency].addsNotes,
    acknowledges: !request.missingTeam && acknowledges(audience.agency),
    missingTeam: request.missingTeam,
  };
  const key = cardKey(child, episode, escalation);
  const acknowledgements = powers.acknowledges ? await acknowledgementsOn(db, request.back.listDate) : [];
  const meetings = await meetingsOf(db, [child.id], 50);
  const due = meetingDue(escalation, episode, meetings);
  const booked = nextBooked(meetings, now);
  const acknowledged = key !== null && acknowledgements.some((ack) => ack.agency === audience.agency && ack.seen.includes(key));

  const status = !episode
    ? 'No episodes recorded.'
    : open
      ? `Missing **${hoursText(now.getTime() - episode.reportedAt.getTime())}** · ${riskText(episode.riskGrade)} · ${EPISODE_KIND_LABELS[episode.kind].toLowerCase()}`
      : `Back since ${formatLocal(episode.returnedAt!, tz)} · ${riskText(episode.riskGrade)} when missing · RHI ${
          state === 'completed' ? 'done' : state === 'declined' ? 'declined' : `due ${formatLocal(rhiDueAt(episode.returnedAt!, settings.rhiDueHours), tz)}${state === 'overdue' ? ' (**overdue**)' : ''}`
        }`;
  const flags = [
    due ? `**${meetingDueText(due)}**` : null,
    booked ? bookedText({ kind: booked.kind, startsAt: booked.startsAt.toISOString(), joinUrl: booked.joinUrl }, tz) : null,
    summary.ola && episode && !episode.placingAuthorityNotifiedAt ? `**${child.placingAuthority} not yet told**` : null,
  ].filter(Boolean);
  const facts = [
    { title: 'Looked after', value: !child.lookedAfter ? 'No' : summary.ola ? `Yes, placed here by ${child.placingAuthority} (their RHI to do)` : `Yes, ${child.placementInArea === false ? 'placed out of area' : 'in area'}` },
    ...(audience.displayLevel === 'full' && child.school ? [{ title: 'School', value: child.school }] : []),
    ...(episode
      ? [
          { title: 'Reported', value: formatLocal(episode.reportedAt, tz) },
          ...(episode.returnedAt ? [{ title: 'Back', value: `${formatLocal(episode.returnedAt, tz)}${returnRecordedAt ? ` (recorded ${formatLocal(returnRecordedAt, tz)})` : ''}` }] : []),
          { title: 'Police ref', value: episode.policeRef ?? 'not given' },
          { title: 'Last seen', value: episode.lastSeen ?? 'not recorded' },
          { title: 'Concerns', value: episode.exploitationConcerns.map((concern) => EXPLOITATION_LABELS[concern]).join(', ') || 'none recorded' },
          { title: 'Safe and well', value: episode.safeAndWellCheck === 'done' ? 'done' : episode.safeAndWellCheck === 'not_done' ? 'not done' : 'not recorded' },
          ...(summary.ola ? [{ title: 'Placing authority told', value: episode.placingAuthorityNotifiedAt ? formatLocal(episode.placingAuthorityNotifiedAt, tz) : 'not yet' }] : []),
        ]
      : []),
    { title: 'Repeat', value: `${escalation.episodesInWindow} in ${escalation.windowDays} days${escalation.rule ? ` → ${escalation.rule.label.toLowerCase()} due` : ''}` },
    ...(rhi
      ? [
          {
            title: 'RHI',
            value:
              [
                rhi.offeredAt ? `offered ${formatLocal(rhi.offeredAt, tz)}` : null,
                rhi.outcome ? RHI_OUTCOME_LABELS[rhi.outcome] : null,
                rhi.completedAt ? `done ${formatLocal(rhi.completedAt, tz)}` : null,
                rhi.provider ? RHI_PROVIDER_LABELS[rhi.provider] : null,
              ]
                .filter(Boolean)
                .join(' · ') || 'recorded',
          },
        ]
      : []),
  ];
  const riskHistory = history
    .filter((entry) => entry.field === 'riskGrade')
    .map((entry) => ({
      text: `${formatLocal(entry.changedAt, tz)}: ${entry.newValue ? RISK_GRADE_LABELS[entry.newValue as keyof typeof RISK_GRADE_LABELS] : 'cleared'}${entry.oldValue ? ` (was ${RISK_GRADE_LABELS[entry.oldValue as keyof typeof RISK_GRADE_LABELS]})` : ''}${entry.reason ? `: ${entry.reason}` : ''}`,
    }));
  const notes = await notesFor(db, [child.id], seesRestricted(audience) || request.missingTeam);
  const [actions, decisions] = await Promise.all([actionsFor(db, [child.id], atLocalTime(today, '00:00', tz)), decisionsOfChild(db, child.id, 3)]);
  // The missing team and chairs set decisions and actions; an action's own agency (or they) closes it.
  const runsHuddle = request.missingTeam || request.chair;
  const closable = actions.filter((action) => action.status === 'open' && (runsHuddle || action.ownerAgency === audience.agency)).slice(0, 3);
  const target = { ...request.back, childRef: child.ref };
  const opener = (name: FormName, title: string) => ({ title, verb: 'child.details', data: { ...target, form: name } });

  // What this person may do here, as buttons that open a form in the card; nothing they may not.
  const returned = Boolean(episode?.returnedAt);
  const buttons = [
    ...(powers.acknowledges && key && !acknowledged ? [{ title: `Acknowledge for ${AGENCY_NAMES[audience.agency]}`, verb: 'child.acknowledge', data: target }] : []),
    ...(powers.recordsReturns && open ? [opener('return', 'Record found / returned')] : []),
    ...(powers.recordsReturns && returned && returnCorrectable(returnRecordedAt, now) ? [opener('correct', 'Correct the return time')] : []),
    ...(powers.recordsReturns && returned && !episode?.safeAndWellCheck ? [opener('safe', 'Safe and well check')] : []),
    ...(powers.addsNotes ? [opener('note', 'Add what you know')] : []),
    ...(powers.missingTeam && episode ? [opener('update', 'Update risk and what is known')] : []),
    ...(powers.missingTeam && returned && nextRhiSteps(rhi).length > 0 ? [opener('rhi', 'Record RHI')] : []),
    ...(powers.missingTeam && summary.ola && episode && !episode.placingAuthorityNotifiedAt ? [opener('told', 'Placing authority told')] : []),
    ...(runsHuddle ? [opener('decision', 'Record decision'), opener('action', 'Add an action')] : []),
    ...closable.flatMap((action) => {
      const short = action.what.length > 30 ? `${action.what.slice(0, 29)}…` : action.what;
      return [
        { title: `Close: ${short}`, verb: 'child.details', data: { ...target, form: 'closeAction', actionId: action.id } },
        ...(runsHuddle ? [{ title: `Change: ${short}`, verb: 'child.details', data: { ...target, form: 'changeAction', actionId: action.id } }] : []),
      ];
    }),
    // Chairs book, move and cancel meetings; nobody else is offered the form.
    ...(request.chair && due && !booked ? [opener('meeting', 'Book meeting')] : []),
    ...(request.chair && booked ? [{ ...opener('meeting', 'Move meeting'), data: { ...target, form: 'meeting', meetingId: booked.id } }, { ...opener('cancelMeeting', 'Cancel meeting'), data: { ...target, form: 'cancelMeeting', meetingId: booked.id } }] : []),
  ];
  // Without a calendar, the invitation is a file the chair sends: a signed link that expires.
  const links = request.chair && booked && !booked.invitationSent ? [{ title: 'Download the invitation (.ics)', url: request.meetings.links.linkFor(booked.id, now) }] : [];

  // The agencies' configured contacts, and the child's social worker when recorded.
  const contacts = [...new Set([...Object.values(request.meetings.contacts).flat(), ...(child.socialWorkerEmail ? [child.socialWorkerEmail] : [])])];
  const subject: FormSubject = {
    child,
    episode,
    rhi,
    today,
    timeZone: tz,
    meeting: {
      kind: booked?.kind ?? due?.kind ?? 'strategy',
      contacts: booked?.attendees ?? contacts,
      slots: request.form?.slots ?? [],
      unknown: request.form?.unknown ?? [],
      calendar: Boolean(request.meetings.calendar && request.meetings.organiser),
      bookedAt: booked ? formatLocal(booked.startsAt, tz) : undefined,
    },
    huddle: (() => {
      const due = defaultActionDue(now, settings);
      const closing = request.form?.actionId ? actions.find((action) => action.id === request.form!.actionId) : undefined;
      const changing = closing && {
        actionWhat: closing.what,
        actionOwner: closing.ownerAgency,
        actionPerson: closing.ownerTeamsId ?? '',
        actionDueDate: localDate(closing.dueAt, tz),
        actionDueTime: formatLocal(closing.dueAt, tz, 'HH:mm'),
      };
      return {
        roster: request.roster ?? [],
        due: { date: localDate(due, tz), time: formatLocal(due, tz, 'HH:mm') },
        decision: decisions.find((decision) => decision.listDate === today)?.body,
        closing: closing && { what: closing.what, owner: ownerText(closing) },
        changing,
      };
    })(),
  };
  const formItems = request.form
    ? (() => {
        const definition = CHILD_FORMS[request.form.name];
        return renderForm({
          title: definition.title,
          help: definition.help?.(subject),
          fields: definition.fields(subject),
          values: { ...definition.initial(subject), ...(request.form.values ?? {}) },
          errors: request.form.errors ?? {},
          submit: { title: definition.submit.title, verb: definition.submit.verb, data: { ...target, episodeId: episode?.id ?? '', ...(request.form!.actionId ? { actionId: request.form!.actionId } : {}), ...(booked && ['meeting', 'meetingSlot', 'cancelMeeting'].includes(request.form!.name) ? { meetingId: booked.id } : {}) } },
          cancel: { title: 'Cancel', verb: 'child.details', data: target },
        });
      })()
    : [];

  return renderCard('child-details', {
    refreshData: target,
    userIds: [request.userId],
    style: episode?.riskGrade === 'high' ? 'attention' : 'default',
    who: whoIs(summary, audience.displayLevel),
    status,
    flags: flags.join(' · '),
    notice: request.notice ?? '',
    facts,
    riskHistory,
    huddle: [
      ...decisions.map((decision) => ({ text: `**Decision ${formatLocal(atLocalTime(decision.listDate, '12:00', tz), tz, 'EEE d MMM')}** (${decision.setByName ?? 'the huddle'}): ${decision.body}` })),
      ...actions.map((action) => ({ text: actionLine(action, now, tz) })),
    ],
    noteCount: notes.length,
    notes: notes.slice(0, 10).map((note) => ({
      text: `**${note.agencyName}** ${formatLocal(note.createdAt, tz)} · ${note.authorName} · ${noteCategoryWord(note.category)}${note.restricted ? ' · **restricted**' : ''}: ${note.body}`,
    })),
    hasForm: formItems.length > 0,
    formItems,
    buttons: formItems.length > 0 ? [] : buttons,
    links: formItems.length > 0 ? [] : links,
    backData: request.back,
  });
}
