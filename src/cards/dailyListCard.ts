import { acknowledges, AGENCY_POWERS, type DisplayLevel } from '../domain/access';
import { formatLocal } from '../domain/calendar';
import type { ChildSummary, DailyList, MissingEntry, ReturnedEntry, RhiEntry } from '../domain/dailyList';
import { AGENCY_NAMES, EPISODE_KIND_LABELS, EXPLOITATION_LABELS, RISK_GRADE_LABELS, type AgencyCode } from '../domain/types';
import type { Acknowledgement } from '../store/acknowledgements';
import { NOTE_CATEGORIES, type AgencyNote } from '../store/notes';
import { renderCard, type CardJson } from './render';

/**
 * The daily list and overdue-RHI cards, as a phone reads them: the header says how bad today is and
 * who has acknowledged; each child's first line says who, how long and how risky. Long lists page
 * inside the card.
 */

export type ListCardKind = 'daily_list' | 'overdue';
export type { DisplayLevel };

export const LIST_PAGE_VERB = 'list.page';
export const LIST_ACK_VERB = 'list.acknowledge';
export const CHILD_ACK_VERB = 'child.acknowledge';
export const CHILD_NOTE_VERB = 'child.note';
export const CHILD_DETAILS_VERB = 'child.details';
/** Notes shown on a child's row; the rest are counted. */
export const NOTES_SHOWN = 2;
export const PAGE_SIZE = 10;


export interface ListCardOptions {
  kind: ListCardKind;
  page: number;
  displayLevel: DisplayLevel;
  timeZone: string;
  /** Agencies with a linked channel, in order, with whether and when each acknowledged. */
  agencies: { code: AgencyCode; name: string }[];
  /** Every acknowledgement of the day: the whole list (childId null) or one child. */
  acknowledgements: Acknowledgement[];
  /** Notes visible to this conversation, newest first. */
  notes: AgencyNote[];
  /** Who is looking: the channel's agency (null in the missing team's personal chat). */
  audience: { agency: AgencyCode | null };
  pageSize?: number;
}

interface EntryView {
  style: 'attention' | 'warning' | 'emphasis' | 'default';
  line1: string;
  line2: string;
  line3: string;
}

/** What a row shows besides its three lines: acknowledgements, notes, and the actions on the child. */
interface EntryExtras {
  acks: string;
  notes: { text: string }[];
  moreNotes: string;
  canAct: boolean;
  canNote: boolean;
  ackData: object | '';
  noteIds: { category: string; text: string; restricted: string };
  noteData: object;
  detailsData: object;
}

interface SectionKey {
  key: 'missing' | 'returned' | 'rhis';
  heading: string;
  color: 'Attention' | 'Warning' | 'Default';
}

const hours = (value: number) => (value < 48 ? `${value} h` : `${Math.floor(value / 24)} d ${value % 24} h`);
const hoursBetween = (from: string | Date, to: string | Date) => Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 3_600_000);

/** Who the child is, to the level this conversation may see: initials (the default) or full name. */
export function whoIs(child: ChildSummary, level: DisplayLevel): string {
  const name = level === 'full' && child.fullName ? child.fullName : child.initials.split('').join('.') + (child.initials === '?' ? '' : '.');
  return [`**${name}**`, child.caseRef, child.age === null ? null : `${child.age}`].filter(Boolean).join(' · ');
}

function careText(child: ChildSummary): string | null {
  if (!child.lookedAfter) return null;
  if (child.ola) return `placed here by ${child.placingAuthority}`;
  return child.placementInArea === false ? 'looked after, placed out of area' : 'looked after, in area';
}

function riskText(grade: MissingEntry['riskGrade']): string {
  if (!grade) return 'Risk not graded yet';
  return grade === 'high' ? '**HIGH risk**' : `${RISK_GRADE_LABELS[grade]} risk`;
}

function missingView(entry: MissingEntry, level: DisplayLevel, timeZone: string): EntryView {
  const kind = EPISODE_KIND_LABELS[entry.kind].toLowerCase();
  const concerns = entry.exploitationConcerns.map((concern) => `${EXPLOITATION_LABELS[concern]} concern`);
  const escalation = entry.escalationLabel
    ? `${entry.episodesInWindow} episodes in ${entry.windowDays} days → **${entry.escalationLabel.toLowerCase()} due**`
    : entry.episodesInWindow > 1
      ? `${entry.episodesInWindow} episodes in ${entry.windowDays} days`
      : `first episode in ${entry.windowDays} days`;
  return {
    style: entry.riskGrade === 'high' ? 'attention' : entry.meetingReasons.length > 0 ? 'warning' : 'emphasis',
    line1: `${whoIs(entry, level)} · missing **${hours(entry.missingForHours)}**`,
    line2: [riskText(entry.riskGrade), kind, careText(entry), ...concerns].filter(Boolean).join(' · '),
    line3: [escalation, `reported ${formatLocal(new Date(entry.reportedAt), timeZone)}`, entry.lastSeen ? `last seen ${entry.lastSeen}` : null].filter(Boolean).join(' · '),
  };
}

const SAFE_AND_WELL: Record<string, string> = { done: 'safe and well check done', not_done: '**safe and well check not done**' };

function returnedView(entry: ReturnedEntry, level: DisplayLevel, timeZone: string, asOf: string): EntryView {
  const left = hoursBetween(asOf, entry.rhiDueAt);
  const rhi =
    entry.rhiState === 'completed'
      ? 'RHI done'
      : entry.rhiState === 'declined'
        ? 'RHI declined'
        : `RHI due ${formatLocal(new Date(entry.rhiDueAt), timeZone)} (${left >= 0 ? `in ${hours(left)}` : `**${hours(-left)} overdue**`})`;
  return {
    style: 'default',
    line1: `${whoIs(entry, level)} · back ${formatLocal(new Date(entry.returnedAt), timeZone)}`,
    line2: [rhi, entry.safeAndWellCheck ? SAFE_AND_WELL[entry.safeAndWellCheck] : 'safe and well check not recorded'].join(' · '),
    line3: [careText(entry), `${RISK_GRADE_LABELS[entry.riskGrade ?? 'no_apparent_risk']} risk when missing`].filter(Boolean).join(' · '),
  };
}

const OUTCOME_TEXT: Record<string, string> = { accepted: 'accepted, not yet done', declined: 'declined', no_contact: 'no contact yet' };

function rhiView(entry: RhiEntry, level: DisplayLevel, timeZone: string, asOf: string): EntryView {
  const timing = entry.state === 'overdue' ? `**${hours(entry.hoursOverdue)} overdue**` : `due in ${hours(Math.max(0, hoursBetween(asOf, entry.dueAt)))}`;
  const offer = entry.offeredAt ? `offered ${formatLocal(new Date(entry.offeredAt), timeZone)}${entry.outcome ? `, ${OUTCOME_TEXT[entry.outcome]}` : ''}` : 'not offered yet';
  const owner = entry.ola
    ? `${entry.owner}'s to do (placing authority) · ${entry.placingAuthorityNotifiedAt ? `told ${formatLocal(new Date(entry.placingAuthorityNotifiedAt), timeZone)}` : '**not yet told**'}`
    : `Owner: ${entry.owner}`;
  return {
    style: entry.state === 'overdue' ? 'warning' : 'default',
    line1: `${whoIs(entry, level)} · ${timing}`,
    line2: [offer, `back ${formatLocal(new Date(entry.returnedAt), timeZone)}`].join(' · '),
    line3: owner,
  };
}

const CATEGORY_CHOICES = NOTE_CATEGORIES.map((value) => ({ value, title: value.charAt(0).toUpperCase() + value.slice(1) }));

function extrasFor(entry: ChildSummary, section: string, options: ListCardOptions, listDate: string, page: number): EntryExtras {
  const { agency } = options.audience;
  const clock = (at: Date) => formatLocal(at, options.timeZone, 'HH:mm');
  const acks = options.acknowledgements.filter((ack) => ack.childId === entry.childId);
  const notes = options.notes.filter((note) => note.childId === entry.childId);
  const field = `${section}-${entry.caseRef}`;
  const target = { kind: options.kind, listDate, page, childRef: entry.caseRef };
  return {
    acks: acks.length ? `✓ ${acks.map((ack) => `${ack.agencyName} ${clock(ack.at)}`).join(' · ')}` : '',
    notes: notes.slice(0, NOTES_SHOWN).map((note) => ({
      text: `**${note.agencyName}** ${formatLocal(note.createdAt, options.timeZone)} · ${note.authorName} · ${note.category}${note.restricted ? ' · **restricted**' : ''}: ${note.body}`,
    })),
    moreNotes: notes.length > NOTES_SHOWN ? `+ ${notes.length - NOTES_SHOWN} earlier note${notes.length - NOTES_SHOWN === 1 ? '' : 's'}` : '',
    canAct: agency !== null,
    canNote: agency !== null && AGENCY_POWERS[agency].addsNotes,
    ackData: acknowledges(agency) && !acks.some((ack) => ack.agency === agency) ? target : '',
    noteIds: { category: `note-category-${field}`, text: `note-text-${field}`, restricted: `note-restricted-${field}` },
    noteData: { ...target, field },
    detailsData: target,
  };
}

function acknowledgedLine(options: ListCardOptions): string {
  const agencies = options.agencies.filter((agency) => acknowledges(agency.code));
  if (agencies.length === 0) return 'No agency channels linked yet.';
  return agencies
    .map((agency) => {
      const ack = options.acknowledgements.find((candidate) => candidate.agency === agency.code && candidate.childId === null);
      return ack ? `${agency.name} ✓ ${formatLocal(ack.at, options.timeZone, 'HH:mm')} ${ack.userName}` : `${agency.name} —`;
    })
    .join(' · ');
}

export function renderListCard(list: DailyList, options: ListCardOptions): CardJson {
  const { timeZone, displayLevel: level } = options;
  const since = formatLocal(new Date(list.since), timeZone, 'EEE HH:mm');
  const sections: (SectionKey & { entries: { child: ChildSummary; view: () => EntryView }[] })[] = [];
  if (options.kind === 'daily_list') {
    sections.push({ key: 'missing', heading: `MISSING NOW (${list.missingNow.length})`, color: 'Attention', entries: list.missingNow.map((entry) => ({ child: entry, view: () => missingView(entry, level, timeZone) })) });
    sections.push({ key: 'returned', heading: `BACK SINCE ${since.toUpperCase()} (${list.returned.length})`, color: 'Default', entries: list.returned.map((entry) => ({ child: entry, view: () => returnedView(entry, level, timeZone, list.asOf) })) });
  }
  sections.push({
    key: 'rhis',
    heading: `RHIs OVERDUE (${list.counts.rhisOverdue}) AND DUE WITHIN 24 H (${list.counts.rhisDueSoon})`,
    color: 'Warning',
    entries: list.rhis.map((entry) => ({ child: entry, view: () => rhiView(entry, level, timeZone, list.asOf) })),
  });

  const all = sections.flatMap((section) => section.entries.map((entry) => ({ section, entry })));
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const page = Math.min(Math.max(0, options.page), pages - 1);
  const onPage = all.slice(page * pageSize, (page + 1) * pageSize);
  const pageSections = sections
    .map((section) => ({
      heading: section.heading,
      color: section.color,
      entries: onPage.filter((item) => item.section === section).map((item) => ({ ...item.entry.view(), ...extrasFor(item.entry.child, section.key, options, list.date, page) })),
    }))
    .filter((section) => section.entries.length > 0);

  const day = formatLocal(new Date(`${list.date}T12:00:00Z`), timeZone, 'EEE d MMM');
  const counts = list.counts;
  const summary =
    options.kind === 'daily_list'
      ? `**${counts.missingNow}** missing now · **${counts.returnedSinceLastHuddle}** back since ${since.split(' ')[0]} · **${counts.rhisOverdue}** RHIs overdue`
      : `**${counts.rhisOverdue}** RHIs overdue · **${counts.rhisDueSoon}** due within 24 hours`;
  const data = (target: number) => ({ kind: options.kind, listDate: list.date, page: target });
  const { agency } = options.audience;
  const listAcknowledged = options.acknowledgements.some((ack) => ack.agency === agency && ack.childId === null);
  const actions = [
    ...(acknowledges(agency) && !listAcknowledged ? [{ title: `Acknowledge for ${AGENCY_NAMES[agency]}`, verb: LIST_ACK_VERB, data: data(page) }] : []),
    ...(page > 0 ? [{ title: 'Previous', verb: LIST_PAGE_VERB, data: data(page - 1) }] : []),
    ...(page < pages - 1 ? [{ title: `More (${page + 2} of ${pages})`, verb: LIST_PAGE_VERB, data: data(page + 1) }] : []),
    { title: 'Refresh', verb: LIST_PAGE_VERB, data: data(page) },
  ];
  return renderCard('daily-list', {
    categories: CATEGORY_CHOICES,
    title: options.kind === 'daily_list' ? `Daily missing list · ${day}` : `Return Home Interviews · ${day}`,
    summary,
    acknowledged: acknowledgedLine(options),
    sections: pageSections,
    empty: all.length === 0 ? (options.kind === 'daily_list' ? 'No child is missing, back or waiting for an RHI today.' : 'No RHI is overdue or due within 24 hours.') : '',
    footer: `${pages > 1 ? `Page ${page + 1} of ${pages} · ` : ''}as of ${formatLocal(new Date(list.asOf), timeZone, 'HH:mm EEE d MMM')} (UK time) · ${level === 'full' ? 'names shown' : 'initials shown'}`,
    actions,
  });
}
