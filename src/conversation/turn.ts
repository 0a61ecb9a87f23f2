import type { ListSnapshots } from '../lists/listSnapshots';
import type { OversightSettings } from '../posting/dailyPoster';
import type { MeetingSettings } from '../meetings/booking';
import type { Logger } from 'pino';
import type { RoleDirectory } from '../access/roles';
import type { CardJson } from '../cards/render';
import type { Person, Place } from '../domain/access';
import type { ListSettings } from '../domain/dailyList';
import type { CardRefresher } from '../posting/cardRefresher';
import type { ConversationRef } from '../store/conversationRef';
import type { Database } from '../store/db';
import { audit, type AuditEntry } from '../store/repositories';

/**
 * What a command or card action sees of Teams: who asked, where, and how to answer. src/bot/ builds
 * it from botbuilder's TurnContext; nothing here imports botbuilder.
 */
export interface Turn {
  who: Person;
  /** Teams' id for the person in this conversation (user-specific cards are addressed to it). */
  userId: string;
  place: Place;
  /** The conversation: a channel's id (without the thread), or the personal chat's. */
  conversationId: string;
  /** Where to post into this conversation later. */
  reference: ConversationRef;
  /** Answers in this conversation; resolves to the posted message's id. */
  reply(message: string | CardJson): Promise<string | undefined>;
  /** The people @mentioned besides the bot, with their Entra object ids (null when Teams would not say). */
  mentioned(): Promise<{ id: string | null; name: string }[]>;
  /** The people of the team this conversation is in (none in a personal chat, or when Teams would not say), at most ROSTER_LIMIT. */
  roster(): Promise<RosterMember[]>;
}

/** A person in the team, as Teams lists them: their Teams id (a personal chat is opened with it), Entra object id and name. */
export interface RosterMember {
  teamsId: string;
  aadObjectId: string | null;
  name: string;
}

/** The roster offered on a form is the team's first this many people. */
export const ROSTER_LIMIT = 100;

export interface ConversationDeps {
  db: Database;
  logger: Logger;
  settings: ListSettings;
  roles: RoleDirectory;
  refresher: CardRefresher;
  /** The day's list kept between taps that only read it. */
  lists: ListSnapshots;
  now: () => Date;
  instance: string;
  /** How meetings are booked here: the organiser mailbox and its calendar (or none), contacts, hours. */
  meetings: MeetingSettings;
  /** The high-risk list's day and the links to the monthly figures. */
  oversight: OversightSettings;
  /** Asks the poster to post what is due now (the huddle's minutes) rather than at its next round. */
  postNow: () => void;
}

/** A request refused: the message is for the person, the reason for the audit log. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** An audit entry for what a turn did: who, in which conversation. */
export const turnAudit = (turn: Turn, action: string, details: Record<string, unknown> = {}): AuditEntry => ({
  actor: turn.who.id || 'unknown',
  actorName: turn.who.name,
  actorKind: 'teams',
  action,
  conversationId: turn.conversationId,
  details,
});

/** Records what a person did (or was refused) from Teams. Details hold references, never children's names. */
export async function auditTurn(deps: Pick<ConversationDeps, 'db'>, turn: Turn, action: string, details: Record<string, unknown>): Promise<void> {
  await audit(deps.db, turnAudit(turn, action, details));
}
