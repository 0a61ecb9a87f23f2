import { acknowledges, type DisplayLevel } from '../domain/access';
import { formatLocal } from '../domain/calendar';
import { childKey, type ChildContext, type ChildSummary, type DailyList, type MissingEntry, type ReturnedEntry, type RhiEntry } from '../domain/dailyList';
import { RHI_OUTCOME_LABELS } from '../domain/rhi';
import { MEETING_KIND_LABELS, meetingDueText } from '../domain/meetings';
import { AGENCY_NAMES, EPISODE_KIND_LABELS, EXPLOITATION_LABELS, RISK_GRADE_LABELS, type AgencyCode } from '../domain/types';
import type { Acknowledgement } from '../store/acknowledgements';
import type { AgencyNote } from '../store/notes';
import type { HuddleAction } from '../store/huddle';
import { actionsSummary } from '../lists/actionText';
import { renderCard, type CardJson } from './render';

/**
 * The daily list and overdue-RHI cards, for a phone at 08:45: the header says how bad today is and
 * who has acknowledged; then one tappable entry per child (tap → the child's card, where
 * acknowledging, adding information and recording live). Each entry's first line says who and how
 * long, the second how risky and why, the third what is due. Colour is used once: red for high risk.
 * Every child appears once per card, with the same wording wherever they would have appeared.
 */

export type ListCardKind = 'daily_list' | 'overdue';
export type { DisplayLevel };

export const LIST_PAGE_VERB = 'list.page';
export const LIST_ACK_VERB = 'list.acknowledge';
export const CHILD_ACK_VERB = 'child.acknowledge';
export const CHILD_NOTE_VERB = 'child.note';
export const CHILD_DETAILS_VERB = 'child.details';
export const HUDDLE_OPEN_VERB = 'huddle.open';
export const PAGE_SIZE = 10;
/** The latest note shows on an entry, cut to this many characters; the child's card has them all. */
export const NOTE_PREVIEW_CHARS = 90;
/** The key to the card's one colour and its bold, in its footer. */
export const COLOUR_KEY = 'Red: high risk. Bold: what is due, overdue or new to you. Tap a child for their card.';

export interface ListCardOptions {
  kind: ListCardKind;
  page: number;
  displayLevel: DisplayLevel;
  timeZone: string;
  /** Agencies with a linked channel, in order. */
  agencies: { code: AgencyCode; name: string }[];
  /** Every acknowledgement of the day: the whole list (childId null) or one child, with what each saw. */
  acknowledgements: Acknowledgement[];
  /** Notes visible to this conversation, newest first. */
  notes: AgencyNote[];
  /** The huddle's actions on the card's children: open ones, and those closed today; soonest due first. */
  actions?: HuddleAction[];
  /** Who is looking: the channel's agency. */
  audience: { agency: AgencyCode | null };
  /** The moment the card is drawn for (what "overdue" means on it); the list's as-of time by default. */
  asOf?: string;
  pageSize?: number;
  /** A confirmation for the person who acted, shown at the top of the card they get back. */
  notice?: string;
}

type Section = 'missing' | 'returned' | 'rhis';

/** One child on the card: the section it sits in, and every fact about the child the card may show. */
interface Row {
  section: Section;
  child: ChildSummary & ChildContext;
  missing?: MissingEntry;
  returned?: ReturnedEntry;
  rhi?: RhiEntry;
  key: string;
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

export function riskText(grade: ChildContext['riskGrade']): string {
  if (!grade) return '**Risk not graded yet**';
  return grade === 'high' ? '**HIGH risk**' : `${RISK_GRADE_LABELS[grade]} risk`;
}

/** How risky and why: grade, how the child went, care, concerns. The same on every row of a child. */
export function riskLine(child: ChildSummary & ChildContext): string {
  const concerns = child.exploitationConcerns.map((concern) => `${EXPLOITATION_LABELS[concern]} concern`);
  return [riskText(child.riskGrade), EPISODE_KIND_LABELS[child.kind].toLowerCase(), careText(child), ...concerns].filter(Boolean).join(' · ');
}

/** A booked meeting as every copy shows it: what, when (local time) and the link to join. */
export const bookedText = (booked: NonNullable<ChildContext['meetingBooked']>, timeZone: string) =>
  `${MEETING_KIND_LABELS[booked.kind]} booked ${formatLocal(new Date(booked.startsAt), timeZone, 'EEE d MMM HH:mm')}${booked.joinUrl ? ` · [Join](${booked.joinUrl})` : ''}`;

/** The flags that travel with a child wherever it appears: a meeting due or booked, a placing authority not told. */
export function standingFlags(child: ChildSummary & ChildContext, timeZone: string): string[] {
  return [
    child.meetingDue ? `**${meetingDueText(child.meetingDue)}**` : null,
    child.meetingBooked ? bookedText(child.meetingBooked, timeZone) : null,
    child.ola && !child.placingAuthorityNotifiedAt ? `**${child.placingAuthority} not yet told**` : null,
  ].filter((flag): flag is string => flag !== null);
}

export function rhiText(entry: RhiEntry, timeZone: string, asOf: string): string {
  const timing = entry.state === 'overdue' ? `**RHI ${hours(entry.hoursOverdue)} overdue**` : `**RHI due in ${hours(Math.max(0, hoursBetween(asOf, entry.dueAt)))}**`;
  const offer = entry.offeredAt ? `offered ${formatLocal(new Date(entry.offeredAt), timeZone, 'EEE HH:mm')}${entry.outcome ? `, ${RHI_OUTCOME_LABELS[entry.outcome]}` : ''}` : 'not offered yet';
  const owner = entry.ola ? `${entry.owner} to do` : `owner ${entry.owner}`;
  return [timing, offer, owner].join(' · ');
}

function returnedRhiText(entry: ReturnedEntry, timeZone: string, asOf: string): string {
  if (entry.rhiState === 'completed') return 'RHI done';
  if (entry.rhiState === 'declined') return 'RHI declined';
  const left = hoursBetween(asOf, entry.rhiDueAt);
  const due = `RHI due ${formatLocal(new Date(entry.rhiDueAt), timeZone, 'EEE HH:mm')}`;
  return left >= 0 ? (entry.rhiState === 'due_soon' ? `**${due} (in ${hours(left)})**` : `${due} (in ${hours(left)})`) : `**RHI ${hours(-left)} overdue**`;
}

const SAFE_AND_WELL: Record<string, string> = { done: 'safe and well check done', not_done: '**safe and well check not done**' };

/** The entry's three lines, the same wording whichever section the child is in. */
function linesOf(row: Row, level: DisplayLevel, timeZone: string, asOf: string): [string, string, string] {
  const { child } = row;
  const who = whoIs(child, level);
  const flags = standingFlags(child, timeZone);
  if (row.missing) {
    const earlierRhi = row.rhi ? [`last return: ${rhiText(row.rhi, timeZone, asOf)}`] : [];
    return [
      `${who} · missing **${hours(row.missing.missingForHours)}**`,
      riskLine(child),
      [...flags, ...earlierRhi, row.missing.lastSeen ? `last seen ${row.missing.lastSeen}` : `reported ${formatLocal(new Date(row.missing.reportedAt), timeZone, 'EEE HH:mm')}`].join(' · '),
    ];
  }
  if (row.returned) {
    const safe = row.returned.safeAndWellCheck ? SAFE_AND_WELL[row.returned.safeAndWellCheck] : 'safe and well check not recorded';
    return [`${who} · back ${formatLocal(new Date(row.returned.returnedAt), timeZone, 'EEE HH:mm')}`, riskLine(child), [returnedRhiText(row.returned, timeZone, asOf), safe, ...flags].join(' · ')];
  }
  const rhi = row.rhi!;
  return [`${who} · back ${formatLocal(new Date(rhi.returnedAt), timeZone, 'EEE HH:mm')}`, riskLine(child), [rhiText(rhi, timeZone, asOf), ...flags].join(' · ')];
}

/** The rows of a card, one per child: missing first, then back since the huddle, then RHIs due. */
function rowsOf(list: DailyList, kind: ListCardKind): Row[] {
  const rows = new Map<string, Row>();
  const add = (section: Section, child: ChildSummary & ChildContext, part: Partial<Row>) => {
    const row = rows.get(child.childId);
    if (row) return void Object.assign(row, { ...part, ...row });
    rows.set(child.childId, { section, child, key: childKey(child), ...part });
  };
  if (kind === 'daily_list') {
    for (const entry of list.missingNow) add('missing', entry, { missing: entry });
    for (const entry of list.returned) add('returned', entry, { returned: entry });
  }
  for (const entry of list.rhis) add('rhis', entry, { rhi: entry });
  const order: Section[] = ['missing', 'returned', 'rhis'];
  return [...rows.values()].sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section));
}

/** The day's children in the list's order (missing, back, RHIs due), each with its three lines as the list shows them. */
export function listEntries(list: DailyList, level: DisplayLevel, timeZone: string): { childId: string; caseRef: string; high: boolean; lines: [string, string, string] }[] {
  return rowsOf(list, 'daily_list').map((row) => ({ childId: row.child.childId, caseRef: row.child.caseRef, high: row.child.riskGrade === 'high', lines: linesOf(row, level, timeZone, list.asOf) }));
}

/** Whether this agency has acknowledged the child as it is now (the whole list, or the child alone). */
type SeenBy = Map<AgencyCode, Set<string>>;

/** Every child key each agency has acknowledged (the whole list, or the child alone), read once per card. */
function seenByAgency(acknowledgements: Acknowledgement[]): SeenBy {
  const seen: SeenBy = new Map();
  for (const ack of acknowledgements) {
    const keys = seen.get(ack.agency) ?? new Set<string>();
    for (const key of ack.seen) keys.add(key);
    seen.set(ack.agency, keys);
  }
  return seen;
}

/** Whether this agency has acknowledged the child as it is now. */
const acknowledgedBy = (agency: AgencyCode, key: string, seen: SeenBy) => seen.get(agency)?.has(key) ?? false;

function activityLine(row: Row, options: ListCardOptions): string {
  const clock = (at: Date) => formatLocal(at, options.timeZone, 'HH:mm');
  const acks = options.acknowledgements.filter((ack) => ack.childId === row.child.childId && ack.seen.includes(row.key));
  const notes = options.notes.filter((note) => note.childId === row.child.childId);
  const latest = notes[0];
  const actions = actionsSummary((options.actions ?? []).filter((action) => action.childId === row.child.childId), new Date(options.asOf ?? Date.now()), options.timeZone);
  const preview = latest && `${latest.agencyName} ${formatLocal(latest.createdAt, options.timeZone, 'EEE HH:mm')}${latest.restricted ? ' (restricted)' : ''}: ${latest.body.length > NOTE_PREVIEW_CHARS ? `${latest.body.slice(0, NOTE_PREVIEW_CHARS - 1)}…` : latest.body}`;
  return [
    actions,
    acks.length ? `✓ ${acks.map((ack) => `${ack.agencyName} ${clock(ack.at)}`).join(', ')}` : null,
    latest ? `${notes.length} note${notes.length === 1 ? '' : 's'}, latest ${preview}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Who has acknowledged the list, and how many children are new to each since. */
function acknowledgedLine(options: ListCardOptions, rows: Row[], seen: SeenBy): string {
  const agencies = options.agencies.filter((agency) => acknowledges(agency.code));
  if (agencies.length === 0) return 'No agency channels linked yet.';
  return agencies
    .map((agency) => {
      const ack = options.acknowledgements.find((candidate) => candidate.agency === agency.code && candidate.childId === null);
      if (!ack) return `${agency.name} —`;
      const fresh = rows.filter((row) => !acknowledgedBy(agency.code, row.key, seen)).length;
      return `${agency.name} ✓ ${formatLocal(ack.at, options.timeZone, 'HH:mm')} ${ack.userName}${fresh ? ` (${fresh} new since)` : ''}`;
    })
    .join(' · ');
}

const SECTION_HEADINGS: Record<Section, (list: DailyList, since: string) => string> = {
  missing: (list) => `MISSING NOW (${list.counts.missingNow})`,
  returned: (_list, since) => `BACK SINCE ${since.toUpperCase()}`,
  rhis: () => 'RHIs OVERDUE OR DUE WITHIN 24 H',
};

export function renderListCard(list: DailyList, options: ListCardOptions): CardJson {
  const { timeZone, displayLevel: level } = options;
  const { agency } = options.audience;
  const since = formatLocal(new Date(list.since), timeZone, 'EEE HH:mm');
  const rows = rowsOf(list, options.kind);
  const seen = seenByAgency(options.acknowledgements);
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const page = Math.min(Math.max(0, options.page), pages - 1);
  const onPage = rows.slice(page * pageSize, (page + 1) * pageSize);
  const target = (childRef: string) => ({ kind: options.kind, listDate: list.date, page, childRef });
  const sections = (['missing', 'returned', 'rhis'] as Section[])
    .map((section) => ({
      heading: SECTION_HEADINGS[section](list, since),
      entries: onPage
        .filter((row) => row.section === section)
        .map((row) => {
          const [line1, line2, line3] = linesOf(row, level, timeZone, list.asOf);
          const fresh = acknowledges(agency) && options.acknowledgements.some((ack) => ack.agency === agency && ack.childId === null) && !acknowledgedBy(agency, row.key, seen);
          return {
            style: row.child.riskGrade === 'high' ? 'attention' : 'default',
            line1: fresh ? `${line1} · **new since ${AGENCY_NAMES[agency]} acknowledged**` : line1,
            line2,
            line3,
            activity: activityLine(row, { ...options, asOf: options.asOf ?? list.asOf }),
            select: { title: `Open the card for ${row.child.caseRef}`, data: target(row.child.caseRef) },
          };
        }),
    }))
    .filter((section) => section.entries.length > 0);

  const day = formatLocal(new Date(`${list.date}T12:00:00Z`), timeZone, 'EEE d MMM');
  const counts = list.counts;
  const summary =
    options.kind === 'daily_list'
      ? `**${counts.missingNow}** missing now · **${counts.returnedSinceLastHuddle}** back since ${since.split(' ')[0]} · **${counts.rhisOverdue}** RHIs overdue`
      : `**${counts.rhisOverdue}** RHIs overdue · **${counts.rhisDueSoon}** due within 24 hours`;
  const data = (target: number) => ({ kind: options.kind, listDate: list.date, page: target });
  const listAck = options.acknowledgements.find((ack) => ack.agency === agency && ack.childId === null);
  const unacknowledged = acknowledges(agency) ? rows.filter((row) => !acknowledgedBy(agency, row.key, seen)).length : 0;
  const acknowledgeTitle = acknowledges(agency) && (!listAck ? `Acknowledge for ${AGENCY_NAMES[agency]}` : unacknowledged > 0 ? `Acknowledge ${unacknowledged} new for ${AGENCY_NAMES[agency]}` : null);
  const actions = [
    // The acknowledgement is of the list as this card shows it: every child's key, on every page.
    ...(acknowledgeTitle ? [{ title: acknowledgeTitle, verb: LIST_ACK_VERB, data: { ...data(page), seen: rows.map((row) => row.key) } }] : []),
    ...(page > 0 ? [{ title: 'Previous', verb: LIST_PAGE_VERB, data: data(page - 1) }] : []),
    ...(page < pages - 1 ? [{ title: `More (${page + 2} of ${pages})`, verb: LIST_PAGE_VERB, data: data(page + 1) }] : []),
    { title: 'Refresh', verb: LIST_PAGE_VERB, data: data(page) },
    // The missing team runs the huddle from its own copy of the day's list.
    ...(agency === 'missing-team' && options.kind === 'daily_list' ? [{ title: 'Run the huddle', verb: HUDDLE_OPEN_VERB, data: data(page) }] : []),
  ];
  // The missing team's channel gets one line naming every child due a meeting, by case reference.
  const due = agency === 'missing-team' ? rows.filter((row) => row.child.meetingDue).map((row) => `${row.child.caseRef} (${MEETING_KIND_LABELS[row.child.meetingDue!.kind].toLowerCase()})`) : [];
  const card = renderCard('daily-list', {
    meetingsDue: due.length ? `**Meetings due:** ${due.join(', ')}` : '',
    title: options.kind === 'daily_list' ? `Daily missing list · ${day}` : `Return Home Interviews · ${day}`,
    summary,
    acknowledged: acknowledgedLine(options, rows, seen),
    sections,
    empty: rows.length === 0 ? (options.kind === 'daily_list' ? 'No child is missing, back or waiting for an RHI today.' : 'No RHI is overdue or due within 24 hours.') : '',
    footer: [
      rows.length > 0 ? COLOUR_KEY : null,
      `${pages > 1 ? `Page ${page + 1} of ${pages} · ` : ''}as of ${formatLocal(new Date(list.asOf), timeZone, 'HH:mm EEE d MMM')} (UK time) · ${level === 'full' ? 'names shown' : 'initials shown'}`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    actions,
  });
  return options.notice ? withNotice(card, options.notice) : card;
}

/**
 * A list card with a confirmation for the person who acted, below its heading: a new card, the one
 * given is left as it was (it may be the card every copy of the audience shares).
 */
export function withNotice(card: CardJson, notice: string): CardJson {
  const [heading, ...rest] = card.body as unknown[];
  return { ...card, body: [heading, { type: 'TextBlock', text: notice, weight: 'Bolder', wrap: true, spacing: 'Medium' }, ...rest] };
}
