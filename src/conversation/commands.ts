import { isGrantable } from '../access/roles';
import type { ListCardKind } from '../cards/dailyListCard';
import { reportFormCard } from '../lists/childForms';
import { MEETING_KIND_LABELS } from '../domain/meetings';
import { comingMeetings } from '../store/meetings';
import { previousMonth } from '../domain/oversight';
import { highRiskCard, loadHighRiskList } from '../reports/highRisk';
import { MONTH } from '../reports/monthly';
import { monthlyCardFor } from '../reports/monthlyCard';
import { renderHelpCard, type HelpCommand } from '../cards/render';
import { audienceAt, GRANTABLE, GRANTABLE_NAMES, holds, type Grantable, type Requirement, type RoleSource } from '../domain/access';
import { atLocalTime, formatLocal, isWorkingDay, localDate } from '../domain/calendar';
import { AGENCIES, AGENCY_NAMES } from '../domain/types';
import { childHistoryText } from '../lists/childHistory';
import { listCard } from '../lists/listCards';
import * as channels from '../store/channels';
import { allGrants, grantRole, revokeRole } from '../store/grants';
import { bumpListVersion, possibleDuplicates, postedCardsOn, recordOnDemandPost, undeliveredPosts } from '../store/postedCards';
import { findChildById, findChildByRef, searchAudit } from '../store/repositories';
import { auditTurn, Refusal, type ConversationDeps, type Turn } from './turn';
import { findHuddle } from '../store/huddle';
import { huddleCard } from '../lists/huddleCard';
import { closeHuddleAndSend, openToday } from './huddleActions';
import { MISSING_TEAM_VIEW } from '../domain/access';

/**
 * The commands, as one table: name → who may (requires) → handler. The router checks `requires`
 * before a handler runs; a handler only does its work. Help and the manifest read the same table.
 */
export interface Command extends HelpCommand {
  name: string;
  requires: Requirement;
  /** What it does, in the words a refusal uses: "Only the missing team can <doing>." */
  doing: string;
  /** Listed in the Teams command menu (the manifest allows ten). */
  menu: boolean;
  handle(turn: Turn, args: string[], deps: ConversationDeps): Promise<void>;
}

const MISSING_TEAM = ['missing-team'] as const;
const OVERSIGHT = ['missing-team', 'manager'] as const;
/** A history or audit answer shows this many entries at most, and says how many more there are. */
export const ANSWER_LIMIT = 20;
const ENTRA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;
const CASE_REF = /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,63}$/;

const SOURCE_WORDS: Record<RoleSource, string> = { configuration: 'configuration', 'entra-group': 'Entra group', grant: 'granted in Teams' };

async function link(turn: Turn, word: string | null, deps: ConversationDeps): Promise<void> {
  const channel = (await channels.findChannel(deps.db, turn.conversationId))!;
  const agency = word === null ? null : AGENCIES.find((code) => code === word);
  if (word !== null && !agency) throw new Refusal(400, `Say which agency: link ${AGENCIES.join(' | ')}.`, 'unknown agency');
  await channels.setChannelAgency(deps.db, channel.id, agency ?? null);
  await auditTurn(deps, turn, agency ? 'channel.linked' : 'channel.unlinked', { channel: channel.id, agency: agency ?? null, previous: channel.agency });
  const now = deps.now();
  const today = localDate(now, deps.settings.timeZone);
  // The day's cards name the linked agencies: cards drawn before this (kept for a fan-out) are stale.
  await bumpListVersion(deps.db, today);
  // Linked after today's post time on a working day: the poster (every 30 seconds) posts it here now.
  const dueNow = isWorkingDay(today, deps.settings.bankHolidays) && now >= atLocalTime(today, deps.settings.postTime, deps.settings.timeZone);
  await turn.reply(
    agency
      ? `This channel is now linked to ${AGENCY_NAMES[agency]}. I'll post the daily missing list here at ${deps.settings.postTime} on working days, showing children by ${channel.displayLevel === 'full' ? 'full name' : 'initials and case reference'}.${dueNow ? " Today's list is already due, so it is coming here within a minute." : ''}`
      : 'This channel is no longer linked: the daily list will not be posted here.',
  );
}

/** A channel as people know it: its name; Teams gives the General channel none (its id is the team's). */
export const channelName = (channel: Pick<channels.Channel, 'name' | 'conversationId' | 'teamId'>) =>
  channel.name ?? (channel.teamId && channel.conversationId === channel.teamId ? 'General' : 'an unnamed channel');

async function postList(turn: Turn, kind: ListCardKind, deps: ConversationDeps): Promise<void> {
  const audience = audienceAt(turn.who, turn.place)!;
  const now = deps.now();
  const date = localDate(now, deps.settings.timeZone);
  const card = await listCard(deps.db, { kind, date, page: 0, audience, now }, deps.settings);
  const activityId = await turn.reply(card);
  const personal = turn.place.kind === 'personal';
  const replaced = await deps.db.transaction((tx) => recordOnDemandPost(tx, {
    kind,
    listDate: date,
    conversationId: turn.conversationId,
    reference: turn.reference,
    displayLevel: audience.displayLevel,
    activityId,
    instance: deps.instance,
    now,
    place: personal ? 'personal' : 'channel',
    forUserId: personal ? turn.who.id : null,
  }));
  // One copy of the day's list per conversation is kept up to date: the earlier ones say so.
  for (const copy of replaced) await deps.refresher.supersede(copy, kind === 'daily_list' ? 'Daily missing list (earlier copy)' : 'Return Home Interviews (earlier copy)', now);
  await auditTurn(deps, turn, 'list.disclosed', { kind, listDate: date, displayLevel: audience.displayLevel, private: audience.private });
}

async function status(turn: Turn, deps: ConversationDeps): Promise<void> {
  const { db, settings } = deps;
  const today = localDate(deps.now(), settings.timeZone);
  const lines: string[] = [];
  if (turn.place.kind === 'channel') {
    const { agency, displayLevel } = turn.place;
    if (!agency) lines.push('This channel is not linked to an agency, so the daily list is not posted here. The missing team can say: link police (or health, education, social-care, youth-justice).');
    else {
      lines.push(`This channel is linked to **${AGENCY_NAMES[agency]}** and shows children by ${displayLevel === 'full' ? 'full name' : 'initials, case reference and age'}.`);
      const post = (await postedCardsOn(db, today)).find((card) => card.scheduled && card.conversationId === turn.conversationId);
      lines.push(
        !post
          ? `Today's list is posted at ${settings.postTime} on working days.`
          : post.status === 'sent'
            ? `Today's list was posted here.`
            : `Today's list has **not got through yet** (${post.attempts} attempt(s): ${post.lastError ?? 'in progress'}); I keep retrying.`,
      );
    }
  }
  if (holds(turn.who, 'missing-team')) {
    const now = deps.now();
    const [undelivered, twice, posted] = await Promise.all([undeliveredPosts(db, today), possibleDuplicates(db, today), postedCardsOn(db, today)]);
    const linked = await channels.activeLinkedChannels(db);
    const named = new Map(linked.map((item) => [item.conversationId, channelName(item)]));
    const nameOf = (conversationId: string) => named.get(conversationId) ?? 'a channel no longer linked';
    lines.push(`Linked channels: ${linked.length ? linked.map((item) => `${channelName(item)} (${AGENCY_NAMES[item.agency!]})`).join(', ') : 'none yet'}.`);
    const working = isWorkingDay(today, settings.bankHolidays);
    const due = working && now >= atLocalTime(today, settings.postTime, settings.timeZone);
    const sent = posted.filter((post) => post.scheduled && post.status === 'sent').length;
    lines.push(
      undelivered.length
        ? `**Not delivered:** ${undelivered.map((post) => `${nameOf(post.conversationId)}: ${post.status}, ${post.attempts} attempt(s)${post.lastError ? `, ${post.lastError}` : ''}`).join('; ')}`
        : linked.length === 0
          ? 'No channel is linked yet, so the daily list is not posted anywhere.'
          : !working
          ? 'No daily list is posted today: it is not a working day.'
          : !due
            ? `Today's list is due at ${settings.postTime}; nothing has been posted yet.`
            : sent >= linked.length
              ? `Today's list got through to all ${sent} linked channel${sent === 1 ? '' : 's'}.`
              : `Today's list went to ${sent} of ${linked.length} linked channels; the rest are being posted now.`,
    );
    if (twice.length) lines.push(`**May show two cards today** (a send could not be confirmed, so the list went again): ${twice.map((post) => nameOf(post.conversationId)).join(', ')}.`);
  }
  if (lines.length === 0) lines.push('Mention me in your agency channel to see its status.');
  await turn.reply(lines.join('\n\n'));
}

/** The person a grant or revoke is about: the one @mentioned, or an Entra object id typed in personal chat. */
async function targetOf(turn: Turn, args: string[], usage: string): Promise<{ role: Grantable; person: { id: string; name: string | null } }> {
  const role = args.at(-1);
  if (!isGrantable(role)) throw new Refusal(400, `Say it as: ${usage}, with one of ${GRANTABLE.join(', ')}.`, 'unknown role');
  const mentioned = await turn.mentioned();
  if (mentioned.length > 1) throw new Refusal(400, 'Name one person at a time.', 'several people');
  if (mentioned.length === 1) {
    const [person] = mentioned;
    if (!person!.id) throw new Refusal(403, `I could not look up ${person!.name} in Teams, so nothing was changed. Try again, or give their Entra object id in a personal chat with me.`, 'member lookup failed');
    return { role, person: { id: person!.id, name: person!.name } };
  }
  const id = args.length === 2 ? args[0]! : '';
  if (!ENTRA_ID.test(id)) throw new Refusal(400, `Say who: ${usage} (mention them in a channel, or give their Entra object id).`, 'no person named');
  return { role, person: { id, name: null } };
}

async function grant(turn: Turn, args: string[], deps: ConversationDeps): Promise<void> {
  const { role, person } = await targetOf(turn, args, 'grant @person chair');
  const created = await grantRole(deps.db, { userId: person.id, userName: person.name, role, grantedBy: turn.who.id, grantedAt: deps.now() });
  if (created) await auditTurn(deps, turn, 'role.granted', { user: person.id, role });
  await turn.reply(created ? `${person.name ?? person.id} now holds **${role}** (granted by ${turn.who.name}).` : `${person.name ?? person.id} already held ${role} by grant: nothing changed.`);
}

async function revoke(turn: Turn, args: string[], deps: ConversationDeps): Promise<void> {
  const { role, person } = await targetOf(turn, args, 'revoke @person chair');
  const removed = await revokeRole(deps.db, person.id, role);
  if (removed) await auditTurn(deps, turn, 'role.revoked', { user: person.id, role });
  const still = (await deps.roles.person({ id: person.id })).holds.get(role)?.filter((source) => source !== 'grant') ?? [];
  const elsewhere = still.length ? ` They still hold it through ${still.map((source) => SOURCE_WORDS[source]).join(' and ')}, which is changed there, not in Teams.` : '';
  await turn.reply(`${removed ? `${person.name ?? person.id} no longer holds **${role}** by grant.` : `${person.name ?? person.id} held no grant of ${role}: nothing changed.`}${elsewhere}`);
}

async function roles(turn: Turn, deps: ConversationDeps): Promise<void> {
  const mine = [...turn.who.holds].map(([role, sources]) => `${role} (${sources.map((source) => SOURCE_WORDS[source]).join(', ')})`);
  const lines = [`**You** hold ${mine.length ? mine.join(', ') : 'no role'}.${turn.who.unverified.size ? ` I could not check your Entra groups just now (${[...turn.who.unverified].join(', ')}).` : ''}`];
  if (OVERSIGHT.some((role) => holds(turn.who, role))) {
    const { users, groups } = deps.roles.settings;
    const grants = await allGrants(deps.db);
    for (const role of GRANTABLE) {
      const from = [
        ...(role in users ? (users as Record<string, readonly string[]>)[role]!.map((id) => `${id} (configuration)`) : []),
        ...(groups[role] ? [`members of Entra group ${groups[role]}`] : []),
      ];
      const granted = grants.filter((item) => item.role === role).map((item) => `${item.userName ?? item.userId} (granted ${formatLocal(item.grantedAt, deps.settings.timeZone)})`);
      const holders = [...from, ...granted];
      lines.push(`**${role}** (${GRANTABLE_NAMES[role]}): ${holders.length ? holders.join(', ') : 'nobody'}${role === 'missing-team' || role === 'chair' || role === 'manager' || holders.length ? '' : ' · no roster: anyone in its channel acts for it'}`);
    }
  }
  await turn.reply(lines.join('\n\n'));
}

/** The case reference a command names, checked before it reaches a query. */
function caseRefIn(args: string[], command: string): string {
  const ref = args[0] ?? '';
  if (!CASE_REF.test(ref)) throw new Refusal(400, `Say which child: ${command} followed by the case reference, e.g. ${command} DEMO-1001.`, 'no case ref');
  return ref;
}

const findChildNamed = async (deps: ConversationDeps, ref: string) => (await findChildByRef(deps.db, ref.toUpperCase())) ?? (await findChildByRef(deps.db, ref));

async function history(turn: Turn, args: string[], deps: ConversationDeps): Promise<void> {
  const child = await findChildNamed(deps, caseRefIn(args, 'history'));
  if (!child) throw new Refusal(404, 'No child has that case reference.', 'unknown child');
  await auditTurn(deps, turn, 'child.history_disclosed', { childRef: child.ref, private: true });
  await turn.reply(await childHistoryText(deps.db, child, deps.settings.timeZone, ANSWER_LIMIT, deps.now()));
}

async function auditOf(turn: Turn, args: string[], deps: ConversationDeps): Promise<void> {
  const ref = caseRefIn(args, 'audit');
  const child = await findChildNamed(deps, ref);
  const subject = child?.ref ?? ref.toUpperCase();
  const entries = await searchAudit(deps.db, { subject, limit: ANSWER_LIMIT + 1 });
  await auditTurn(deps, turn, 'audit.read', { childRef: subject, entries: Math.min(entries.length, ANSWER_LIMIT) });
  const shown = entries.slice(0, ANSWER_LIMIT);
  const lines = [`**Audit of ${subject}**, newest first${entries.length > ANSWER_LIMIT ? ` (the latest ${ANSWER_LIMIT}; the API's /api/v1/audit has the rest)` : ''}:`];
  for (const entry of shown) {
    const details = Object.entries(entry.details ?? {})
      .filter(([key]) => key !== 'childRef')
      .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
      .join(', ');
    lines.push(`- ${formatLocal(entry.at, deps.settings.timeZone)} · ${entry.actorName ?? entry.actor} (${entry.actorKind}) · ${entry.action}${details ? ` · ${details}` : ''}`);
  }
  if (shown.length === 0) lines.push('- nothing recorded');
  await turn.reply(lines.join('\n'));
}

export const COMMANDS: Command[] = [
  {
    name: 'help',
    usage: 'help',
    description: 'What I can do and how to ask.',
    requires: { who: 'anyone', where: 'everywhere' },
    doing: 'see help',
    menu: true,
    handle: async (turn) => void (await turn.reply(renderHelpCard(COMMANDS, turn.place.kind === 'channel' ? 'channel' : 'personal'))),
  },
  {
    name: 'list',
    usage: 'list',
    description: "Post today's missing list here: missing now, back since the last huddle, RHIs overdue.",
    requires: { who: 'list-viewer' },
    doing: 'see the daily list here',
    menu: true,
    handle: (turn, _args, deps) => postList(turn, 'daily_list', deps),
  },
  {
    name: 'overdue',
    usage: 'overdue',
    description: 'Post the Return Home Interviews overdue or due within 24 hours.',
    requires: { who: 'list-viewer' },
    doing: 'see the overdue RHIs here',
    menu: true,
    handle: (turn, _args, deps) => postList(turn, 'overdue', deps),
  },
  {
    name: 'status',
    usage: 'status',
    description: "Which agency this channel is linked to, how it shows children, and whether today's list got through.",
    requires: { who: 'anyone', where: 'anywhere' },
    doing: 'see the status',
    menu: true,
    handle: (turn, _args, deps) => status(turn, deps),
  },
  {
    name: 'missing',
    usage: 'missing',
    description: 'Missing team: a form to report a child missing.',
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'report a child missing from Teams',
    menu: true,
    async handle(turn, _args, deps) {
      await turn.reply(reportFormCard(localDate(deps.now(), deps.settings.timeZone)));
    },
  },
  {
    name: 'history',
    usage: 'history CASE-REF',
    description: "Missing team, in personal chat: a child's episodes, risk grades, RHIs and notes (the latest 20 of each).",
    requires: { who: MISSING_TEAM, where: 'personal' },
    doing: "see a child's history",
    menu: true,
    handle: history,
  },
  {
    name: 'audit',
    usage: 'audit CASE-REF',
    description: 'Missing team and managers, in personal chat: who saw, changed or was refused what about a child, and when.',
    requires: { who: OVERSIGHT, where: 'personal' },
    doing: 'read the audit',
    menu: true,
    handle: auditOf,
  },
  {
    name: 'meetings',
    usage: 'meetings',
    description: 'Missing team and chairs, in personal chat: the strategy and intervention meetings booked from now on.',
    requires: { who: ['missing-team', 'chair'], where: 'personal' },
    doing: 'see the meetings booked',
    menu: true,
    async handle(turn, _args, deps) {
      const now = deps.now();
      const coming = await comingMeetings(deps.db, now, ANSWER_LIMIT + 1);
      if (coming.length === 0) return void (await turn.reply('No meeting is booked from now on. A child due a meeting shows it on the list; a chair books it from the child’s card.'));
      const children = new Map((await Promise.all([...new Set(coming.map((meeting) => meeting.childId))].map((id) => findChildById(deps.db, id)))).filter((child) => child).map((child) => [child!.id, child!.ref]));
      const lines = coming.slice(0, ANSWER_LIMIT).map(
        (meeting) =>
          `- ${formatLocal(meeting.startsAt, deps.settings.timeZone, 'EEE d MMM HH:mm')} · ${MEETING_KIND_LABELS[meeting.kind]} · ${children.get(meeting.childId) ?? 'unknown case'} · ${meeting.attendees.length} invited${meeting.joinUrl ? ` · [Join](${meeting.joinUrl})` : meeting.invitationSent ? '' : ' · no calendar invitation sent'}`,
      );
      if (coming.length > ANSWER_LIMIT) lines.push(`- …and more: only the next ${ANSWER_LIMIT} are shown.`);
      await turn.reply([`**Meetings booked** (${Math.min(coming.length, ANSWER_LIMIT)}${coming.length > ANSWER_LIMIT ? '+' : ''})`, ...lines].join('\n'));
      await auditTurn(deps, turn, 'meetings.disclosed', { count: Math.min(coming.length, ANSWER_LIMIT) });
    },
  },
  {
    name: 'report',
    usage: 'report [YYYY-MM]',
    description: 'Managers and the missing team: the monthly missing figures for last month (or the month given), with the seven months before.',
    requires: { who: OVERSIGHT, where: 'anywhere' },
    doing: 'see the monthly figures',
    menu: false,
    async handle(turn, args, deps) {
      const now = deps.now();
      const thisMonth = localDate(now, deps.settings.timeZone).slice(0, 7);
      const month = args[0] ?? previousMonth(thisMonth);
      if (!MONTH.test(month) || month > thisMonth) {
        throw new Refusal(400, `Say which month as YYYY-MM, up to this month: report ${previousMonth(thisMonth)} (last month when you give none).`, 'bad month');
      }
      await turn.reply(await monthlyCardFor(deps.db, month, now, deps.settings, deps.oversight.links));
      await auditTurn(deps, turn, 'report.disclosed', { report: 'monthly', month });
    },
  },
  {
    name: 'high-risk',
    usage: 'high-risk',
    description: 'Managers and the missing team: the high-risk list of the last 7 days (children at high risk, escalated or with exploitation concerns, missing now or in the week).',
    requires: { who: OVERSIGHT, where: 'anywhere' },
    doing: 'see the high-risk list',
    menu: false,
    async handle(turn, _args, deps) {
      // A channel shows children as it shows them on the list; a personal chat, by initials, unless the missing team's.
      const audience = audienceAt(turn.who, turn.place) ?? (turn.place.kind === 'personal' ? { agency: 'management' as const, displayLevel: 'initials' as const, private: true } : null);
      if (!audience) throw new Refusal(403, 'This channel is not linked to an agency, so I do not show children here. Ask in the channel linked to management, or in a personal chat with me.', 'unlinked channel');
      const now = deps.now();
      const list = await loadHighRiskList(deps.db, localDate(now, deps.settings.timeZone), now, deps.settings);
      await turn.reply(highRiskCard(list, audience, deps.settings.timeZone));
      await auditTurn(deps, turn, 'high_risk.disclosed', { children: list.children.length, displayLevel: audience.displayLevel, private: audience.private });
    },
  },
  {
    name: 'huddle',
    usage: 'huddle',
    description: "Missing team and chairs: open today's huddle here: the children in the list's order, one at a time, each with a decision and actions (who, what, by when).",
    requires: { who: ['missing-team', 'chair'], where: 'anywhere' },
    doing: 'run the huddle',
    menu: false,
    async handle(turn, _args, deps) {
      const audience = audienceAt(turn.who, turn.place) ?? (turn.place.kind === 'personal' && holds(turn.who, 'missing-team') ? MISSING_TEAM_VIEW : null);
      if (!audience) throw new Refusal(403, 'Open the huddle in the missing team’s channel (or another linked channel), where everyone in the meeting can see it.', 'no audience');
      const now = deps.now();
      const today = localDate(now, deps.settings.timeZone);
      const { huddle, opened } = await openToday({ turn, deps });
      const list = await deps.lists.get(deps.db, today, now, deps.settings);
      await turn.reply(await huddleCard(deps.db, huddle, list, { index: null, notice: opened ? '' : 'Today’s huddle was already open: carry on from the agenda.' }, audience, now, deps.settings));
    },
  },
  {
    name: 'minutes',
    usage: 'minutes',
    description: "Missing team and chairs: close today's huddle and post its minutes once into each linked channel (each agency's own actions first).",
    requires: { who: ['missing-team', 'chair'], where: 'anywhere' },
    doing: 'close the huddle',
    menu: false,
    async handle(turn, _args, deps) {
      const today = localDate(deps.now(), deps.settings.timeZone);
      if (!(await findHuddle(deps.db, today))) throw new Refusal(404, 'No huddle was opened today, so there are no minutes to send. Send huddle to open it.', 'no huddle');
      await turn.reply(await closeHuddleAndSend({ turn, deps }, today));
    },
  },
  {
    name: 'roles',
    usage: 'roles',
    description: 'The roles you hold and where they come from; for the missing team and managers, who holds what.',
    requires: { who: 'anyone', where: 'anywhere' },
    doing: 'see roles',
    menu: true,
    handle: (turn, _args, deps) => roles(turn, deps),
  },
  {
    name: 'grant',
    usage: 'grant @person ROLE',
    description: `Missing team: give someone a role (${GRANTABLE.join(', ')}). In personal chat give their Entra object id instead of a mention.`,
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'grant roles',
    menu: true,
    handle: grant,
  },
  {
    name: 'revoke',
    usage: 'revoke @person ROLE',
    description: 'Missing team: take back a role given with grant.',
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'revoke roles',
    menu: false,
    handle: revoke,
  },
  {
    name: 'link',
    usage: 'link police | health | education | social-care | youth-justice | missing-team | management',
    description: 'Missing team: link this channel to an agency so the daily list is posted here.',
    requires: { who: MISSING_TEAM, where: 'channel' },
    doing: 'link a channel',
    menu: false,
    handle: (turn, args, deps) => link(turn, args[0] ?? '', deps),
  },
  {
    name: 'unlink',
    usage: 'unlink',
    description: 'Missing team: stop posting the daily list in this channel.',
    requires: { who: MISSING_TEAM, where: 'channel' },
    doing: 'unlink a channel',
    menu: false,
    handle: (turn, _args, deps) => link(turn, null, deps),
  },
  {
    name: 'display',
    usage: 'display initials | full',
    description: 'Missing team: show children here by initials and case reference (default) or by full name.',
    requires: { who: MISSING_TEAM, where: 'channel' },
    doing: 'change how children are shown',
    menu: false,
    async handle(turn, args, deps) {
      const level = args[0];
      if (level !== 'initials' && level !== 'full') throw new Refusal(400, 'Say display initials (initials, case reference and age) or display full (full names).', 'unknown display');
      const channel = (await channels.findChannel(deps.db, turn.conversationId))!;
      await channels.setDisplayLevel(deps.db, channel.id, level);
      await auditTurn(deps, turn, 'channel.display_changed', { channel: channel.id, from: channel.displayLevel, to: level });
      // The copies already posted today change too, not only tomorrow's.
      await deps.refresher.request(localDate(deps.now(), deps.settings.timeZone));
      await turn.reply(level === 'full' ? 'Cards here now show full names, today’s included.' : 'Cards here now show initials, case reference and age only, today’s included.');
    },
  },
];

/**
 * The first message in a personal chat, when someone installs the app: what the bot is for, the
 * roles they hold, and (while nobody holds the missing team role) how to give it to the first person.
 */
export async function welcome(turn: Turn, deps: ConversationDeps): Promise<void> {
  const held = [...turn.who.holds.keys()];
  const lines = [
    'Hello, I am **Missing Huddle**. Every working morning I post the list of children missing from home or care, and the Return Home Interviews due, into each agency’s channel. Tap a child on it to see their card, acknowledge it and add what you know.',
    held.length
      ? `You hold: ${held.map((role) => GRANTABLE_NAMES[role]).join(', ')}. Type help to see what that lets you do.`
      : 'You hold no role here yet, which is right for most agency staff: you work from your agency’s channel. The missing team can grant a role if you need one.',
  ];
  if (!held.includes('missing-team') && !(await deps.roles.missingTeamKnown())) {
    lines.push(
      `Setting Missing Huddle up? Nobody holds the missing team role yet. Put your Entra object id (${turn.who.id || 'Teams did not send it'}) in MISSING_TEAM_USER_IDS in .env and restart, or set MISSING_TEAM_GROUP_ID to your team’s Entra group.`,
    );
  }
  await turn.reply(lines.join('\n\n'));
  await turn.reply(renderHelpCard(COMMANDS, 'personal'));
}
