import { AGENCY_NAMES, type AgencyCode } from './types';

/**
 * Who may do what, as pure rules. A person's powers come from roles they hold (configuration, an
 * Entra group, or a grant made in Teams), never from the team or channel they happen to stand in.
 * A place (personal chat, a channel the bot knows) decides only what the place shows.
 */

export const ROLES = ['missing-team', 'chair', 'manager'] as const;
export type Role = (typeof ROLES)[number];

/** The agencies a person can act for: acknowledge the list and add what they know. */
export const ACTING_AGENCIES = ['police', 'health', 'education', 'social-care', 'youth-justice'] as const;
export type ActingAgency = (typeof ACTING_AGENCIES)[number];

/** What can be held: a role, or membership of an agency. */
export const GRANTABLE = [...ROLES, ...ACTING_AGENCIES] as const;
export type Grantable = (typeof GRANTABLE)[number];

export const GRANTABLE_NAMES: Record<Grantable, string> = {
  'missing-team': 'the missing team',
  chair: 'chairs',
  manager: 'managers',
  police: 'Police',
  health: 'Health',
  education: 'Education',
  'social-care': 'Social care',
  'youth-justice': 'Youth justice',
};

export type RoleSource = 'configuration' | 'entra-group' | 'grant';

export interface Person {
  /** The Entra object id; empty when the activity carried none (then nothing is held). */
  id: string;
  name: string;
  holds: ReadonlyMap<Grantable, readonly RoleSource[]>;
  /** Held only through an Entra group that could not be checked just now: neither granted nor denied. */
  unverified: ReadonlySet<Grantable>;
}

export const holds = (person: Person, what: Grantable) => person.holds.has(what);

/**
 * What each kind of channel may do, in one table. Agencies acknowledge the list and add what they
 * know; the missing team adds notes but runs the list rather than acknowledging it; management reads.
 * Restricted notes are shown only in a private view (personal chat, a user-specific card) of the
 * missing team: standard channels share their team's members, so no channel card carries them.
 */
export interface AgencyPowers {
  acknowledges: boolean;
  addsNotes: boolean;
  /** Records what it owns about an episode: found / returned (and its correction) and the safe and well check. */
  recordsReturns: boolean;
  seesRestricted: boolean;
  /** Acting for it always needs this role (the missing team's channel is the missing team's). */
  actingNeeds?: Role;
}

export const AGENCY_POWERS: Record<AgencyCode, AgencyPowers> = {
  police: { acknowledges: true, addsNotes: true, recordsReturns: true, seesRestricted: false },
  health: { acknowledges: true, addsNotes: true, recordsReturns: false, seesRestricted: false },
  education: { acknowledges: true, addsNotes: true, recordsReturns: false, seesRestricted: false },
  'social-care': { acknowledges: true, addsNotes: true, recordsReturns: false, seesRestricted: false },
  'youth-justice': { acknowledges: true, addsNotes: true, recordsReturns: false, seesRestricted: false },
  'missing-team': { acknowledges: false, addsNotes: true, recordsReturns: true, seesRestricted: true, actingNeeds: 'missing-team' },
  management: { acknowledges: false, addsNotes: false, recordsReturns: false, seesRestricted: false, actingNeeds: 'manager' },
};

export const acknowledges = (agency: AgencyCode | null): agency is AgencyCode => agency !== null && AGENCY_POWERS[agency].acknowledges;

export type DisplayLevel = 'initials' | 'full';

/** Where a request comes from, as the bot knows it. Anything it does not know is `unknown`. */
export type Place =
  | { kind: 'personal' }
  | { kind: 'channel'; agency: AgencyCode | null; displayLevel: DisplayLevel }
  | { kind: 'unknown'; why: 'never-seen' | 'inactive' | 'group-chat' | 'other' };

/** Who an answer is drawn for: the agency it shows as, how children are named, and whether only the asker sees it. */
export interface Audience {
  agency: AgencyCode;
  displayLevel: DisplayLevel;
  private: boolean;
}

/** The missing team's own view, in personal chat or a user-specific card. */
export const MISSING_TEAM_VIEW: Audience = { agency: 'missing-team', displayLevel: 'full', private: true };

export const seesRestricted = (audience: Audience) => audience.private && AGENCY_POWERS[audience.agency].seesRestricted;

/** `everywhere` includes conversations the bot does not know (help only); `anywhere` is any known one. */
export type Where = 'everywhere' | 'anywhere' | 'channel' | 'linked-channel' | 'personal';

/**
 * What a command, card action or API route declares it needs. The router checks it before the
 * handler runs; there is no route without one.
 */
export type Requirement =
  /** Anyone the tenant check let in, in a place of this kind. */
  | { who: 'anyone'; where: Where }
  /** Someone holding one of these roles, in a place of this kind. */
  | { who: readonly Role[]; where: Where }
  /** Someone who may see the day's list here: a linked channel shows it to its members; personal chat to the missing team. */
  | { who: 'list-viewer' }
  /**
   * Someone acting for the linked channel's agency (acknowledge, add information, record a return);
   * or, anywhere the bot knows, someone holding one of `orRoles` (the missing team records returns
   * from any channel, as it records everything else).
   */
  | { who: 'agency'; power: 'acknowledges' | 'addsNotes' | 'recordsReturns'; orRoles?: readonly Role[] };

export type RefusalReason =
  | 'unknown-conversation'
  | 'needs-channel'
  | 'needs-linked-channel'
  | 'needs-personal-chat'
  | 'role-not-held'
  | 'roles-unverified'
  | 'agency-does-not-act'
  | 'not-on-roster'
  | 'no-identity';

export type Decision = { allowed: true } | { allowed: false; reason: RefusalReason; message: string };

/** The facts about rosters the decision needs: which agencies have one, and who is on it. */
export interface Rosters {
  /** The agency has a roster (an Entra group, or grants): only people on it act for it. */
  hasRoster(agency: ActingAgency): boolean;
}

const refuse = (reason: RefusalReason, message: string): Decision => ({ allowed: false, reason, message });
const ALLOW: Decision = { allowed: true };

const UNKNOWN_PLACE: Record<Extract<Place, { kind: 'unknown' }>['why'], string> = {
  'never-seen': 'I have not been added to this conversation, so I cannot act here. Add me to the team, then mention me in the channel.',
  inactive: 'I was removed from this channel, so I no longer act here. Add me again if that was a mistake.',
  'group-chat': 'I do not work in group chats: use your agency channel, or a personal chat with me.',
  other: 'I cannot act in this kind of conversation.',
};

const namesOf = (roles: readonly Grantable[]) => roles.map((role) => GRANTABLE_NAMES[role]).join(' or ');

function checkPlace(place: Place, where: Where): Decision {
  if (where === 'everywhere') return ALLOW;
  if (place.kind === 'unknown') return refuse('unknown-conversation', UNKNOWN_PLACE[place.why]);
  if (where === 'personal' && place.kind !== 'personal') return refuse('needs-personal-chat', 'I answer that only in a personal chat with you, so that nobody else sees it. Message me there.');
  if ((where === 'channel' || where === 'linked-channel') && place.kind !== 'channel') return refuse('needs-channel', 'That works in a team channel: mention me there, e.g. @Missing Huddle status.');
  if (where === 'linked-channel' && place.kind === 'channel' && !place.agency) {
    return refuse('needs-linked-channel', 'This channel is not linked to an agency yet. The missing team can say: link police (or health, education, social-care, youth-justice).');
  }
  return ALLOW;
}

function checkRoles(person: Person, roles: readonly Grantable[], doing: string): Decision {
  if (roles.some((role) => holds(person, role))) return ALLOW;
  if (!person.id) return refuse('no-identity', `Teams did not tell me who you are, so I cannot let you ${doing}.`);
  if (roles.some((role) => person.unverified.has(role))) {
    return refuse('roles-unverified', `I could not check your roles with Microsoft Entra just now, so I did not ${doing}. Nothing was changed: try again in a minute.`);
  }
  return refuse('role-not-held', `Only ${namesOf(roles)} can ${doing}. Ask your missing coordinator if you need to.`);
}

/**
 * The one decision: may this person, in this place, do what the route requires? `doing` is the
 * route's own words for what it does ("link a channel"), used in the refusal.
 */
export function decide(person: Person, place: Place, requirement: Requirement, rosters: Rosters, doing: string): Decision {
  if (requirement.who === 'anyone') return checkPlace(place, requirement.where);
  if (requirement.who === 'list-viewer') {
    if (place.kind === 'channel') return checkPlace(place, 'linked-channel');
    if (place.kind === 'personal') {
      const roles = checkRoles(person, ['missing-team'], doing);
      if (roles.allowed || roles.reason !== 'role-not-held') return roles;
      return refuse('role-not-held', "The daily list is posted in your agency's channel; in a personal chat it is for the missing team only.");
    }
    return checkPlace(place, 'linked-channel');
  }
  if (requirement.who === 'agency') {
    if (requirement.orRoles?.some((role) => holds(person, role))) return checkPlace(place, 'anywhere');
    // The agency acted for is the linked channel's; in personal chat, the missing team's own.
    const agency = place.kind === 'channel' ? place.agency : place.kind === 'personal' ? 'missing-team' : null;
    if (!agency) return checkPlace(place, 'linked-channel');
    const powers = AGENCY_POWERS[agency];
    if (!powers[requirement.power]) {
      return refuse(
        'agency-does-not-act',
        requirement.power === 'acknowledges'
          ? `${place.kind === 'personal' ? 'The missing team runs the list rather than acknowledging it' : `The ${AGENCY_NAMES[agency]} channel does not acknowledge the list`}: agencies acknowledge it from their own channel.`
          : requirement.power === 'recordsReturns'
            ? `Only the police and the missing team record a return or a safe and well check, so the ${AGENCY_NAMES[agency]} channel cannot ${doing}. Add what you know instead.`
            : `Information is not added from the ${AGENCY_NAMES[agency]} channel: add it from your agency's channel.`,
      );
    }
    if (powers.actingNeeds) return checkRoles(person, [powers.actingNeeds], doing);
    const acting = agency as ActingAgency;
    if (!rosters.hasRoster(acting)) return ALLOW; // no roster: the channel decides, and the card names the person
    const onRoster = checkRoles(person, [acting], doing);
    if (onRoster.allowed || onRoster.reason !== 'role-not-held') return onRoster;
    return refuse('not-on-roster', `Only people on the ${AGENCY_NAMES[agency]} roster can act for ${AGENCY_NAMES[agency]}. Ask the missing team to grant you ${acting} if you should.`);
  }
  const where = checkPlace(place, requirement.where);
  return where.allowed ? checkRoles(person, requirement.who, doing) : where;
}

/** What a place shows to a person who passed the check: its agency's view, or the missing team's private one. */
export function audienceAt(person: Person, place: Place): Audience | null {
  if (place.kind === 'channel') return place.agency ? { agency: place.agency, displayLevel: place.displayLevel, private: false } : null;
  if (place.kind === 'personal' && holds(person, 'missing-team')) return MISSING_TEAM_VIEW;
  return null;
}
