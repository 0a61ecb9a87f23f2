import type { CardJson } from '../cards/render';
import { audienceAt, decide, holds, MISSING_TEAM_VIEW, type Requirement, type Rosters } from '../domain/access';
import { turnPageWithOthers } from '../store/postedCards';
import { ACTIONS, type CardAction } from './cardActions';
import { HUDDLE_ACTIONS } from './huddleActions';
import { COMMANDS } from './commands';
import { auditTurn, Refusal, turnAudit, type ConversationDeps, type Turn } from './turn';

/**
 * The router: finds the route, checks what it declares it requires, and only then runs it. A refusal
 * answers plainly, changes nothing and is audited with its reason.
 */

/** A command longer than this is not a command (and is not read back: it may hold a child's name). */
export const MAX_COMMAND_LENGTH = 300;

const NO_ROSTERS: Rosters = { hasRoster: () => false };
/** Rosters cost a query: only acting for an agency needs them. */
const rostersFor = (requirement: Requirement, deps: ConversationDeps) => (requirement.who === 'agency' ? deps.roles.rosters() : Promise.resolve(NO_ROSTERS));

export async function runCommand(turn: Turn, text: string, deps: ConversationDeps): Promise<void> {
  if (text.length > MAX_COMMAND_LENGTH) return void (await turn.reply('That is too long for a command. Type help to see what I can do.'));
  // Commands, their words, case references and object ids are all read whatever their case.
  const [name = '', ...args] = text.toLowerCase().split(/\s+/).filter(Boolean);
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    // The words are not repeated back: someone may have typed a child's name.
    const known = COMMANDS.map((candidate) => candidate.name).join(', ');
    return void (await turn.reply(name ? `I don't know that command. Try one of: ${known}. Type help to see what each does.` : 'Type help to see what I can do.'));
  }
  try {
    const decision = decide(turn.who, turn.place, command.requires, await rostersFor(command.requires, deps), command.doing);
    if (!decision.allowed) throw new Refusal(403, decision.message, decision.reason);
    await command.handle(turn, args, deps);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    await auditTurn(deps, turn, 'command.refused', { command: command.name, reason: error.reason });
    await turn.reply(error.message);
  }
}

export type ActionAnswer = { status: 200; card: CardJson } | { status: 400 | 403 | 404; message: string };

/** Every card action: the list's and child's card's, and huddle mode's. */
export const CARD_ACTIONS: Record<string, CardAction<any>> = { ...ACTIONS, ...HUDDLE_ACTIONS };

export async function runCardAction(turn: Turn, verb: string, raw: unknown, deps: ConversationDeps): Promise<ActionAnswer> {
  const route = Object.hasOwn(CARD_ACTIONS, verb) ? CARD_ACTIONS[verb] : undefined;
  try {
    if (!route) throw new Refusal(400, 'That action is not known. The card may be out of date: send list to get a new one.', 'unknown verb');
    const decision = decide(turn.who, turn.place, route.requires, await rostersFor(route.requires, deps), route.doing);
    if (!decision.allowed) throw new Refusal(403, decision.message, decision.reason);
    const data = route.schema.safeParse(raw);
    if (!data.success) throw new Refusal(400, 'That card action was not valid. Send list to get a fresh card.', 'invalid data');
    // A role's action in a place with no agency view (the missing form in an unlinked channel) answers privately.
    const audience = audienceAt(turn.who, turn.place) ?? (holds(turn.who, 'missing-team') ? MISSING_TEAM_VIEW : null);
    if (!audience) throw new Refusal(403, 'This conversation cannot act on the list.', 'no audience');
    // Last of the checks: a page turn remembers its page and audits what it shows as it checks
    // (nothing may refuse after it).
    if (route.namesPostedCard) {
      const { listDate, kind, page } = data.data;
      const posted = route.turnsPage
        ? await turnPageWithOthers(deps.db, { conversationId: turn.conversationId, listDate, kind, page, disclosed: turnAudit(turn, 'list.disclosed', { agency: audience.agency, kind, listDate, page, displayLevel: audience.displayLevel }) })
        : await deps.lists.posted(deps.db, turn.conversationId, listDate, kind);
      if (!posted) throw new Refusal(404, 'I did not post that card here, so I cannot act on it. Send list to get today’s.', 'card not posted here');
    }
    return { status: 200, card: await route.handle({ turn, audience, deps }, data.data, raw as Record<string, unknown>) };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    await auditTurn(deps, turn, 'invoke.refused', { verb: verb.slice(0, 40), reason: error.reason });
    return { status: error.status, message: error.message };
  }
}
