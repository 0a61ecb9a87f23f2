import {
  ActivityTypes,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { ListCardKind } from '../cards/dailyListCard';
import { audienceOf, type CardRefresher } from '../posting/cardRefresher';
import type { Audience } from '../lists/listCards';
import { ACTIONS, ActionRefusal, type ActionDeps } from './actions';
import { renderCard, renderHelpCard, type HelpCommand } from '../cards/render';
import { childHistoryText } from '../lists/childHistory';
import { formatLocal, localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { AGENCIES, AGENCY_NAMES } from '../domain/types';
import { listCard } from '../lists/listCards';
import * as channels from '../store/channels';
import type { Database } from '../store/db';
import { postedCardsOn, recordOnDemandPost, undeliveredPosts } from '../store/postedCards';
import { audit, findChildByRef } from '../store/repositories';

export interface BotDeps {
  db: Database;
  logger: Logger;
  allowedTenantIds: string[];
  missingTeamUserIds: string[];
  settings: ListSettings;
  now: () => Date;
  instance: string;
  refresher: CardRefresher;
}

/** The commands the bot answers, with the words its help card and the manifest use for them. */
export const COMMANDS: (HelpCommand & { name: string })[] = [
  { name: 'help', usage: 'help', description: 'What I can do and how to ask.' },
  { name: 'list', usage: 'list', description: "Post today's missing list here: missing now, back since the last huddle, RHIs overdue." },
  { name: 'overdue', usage: 'overdue', description: 'Post the Return Home Interviews overdue or due within 24 hours.' },
  { name: 'missing', usage: 'missing', description: 'Missing team only: a form to report a child missing.' },
  { name: 'history', usage: 'history <case ref>', description: "Missing team only: a child's episodes, risk grades, RHIs and every note." },
  { name: 'status', usage: 'status', description: "Which agency this channel is linked to, how it shows children, and whether today's list got through." },
  { name: 'link', usage: 'link police | health | education | social-care | youth-justice | missing-team | management', description: 'Missing team only: link this channel to an agency so the daily list is posted here.' },
  { name: 'unlink', usage: 'unlink', description: 'Missing team only: stop posting the daily list in this channel.' },
  { name: 'display', usage: 'display initials | full', description: 'Missing team only: show children here by initials and case reference (default) or by full name.' },
];

export function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

/** The words of a message with the bot's @mention taken out, lower-cased. */
export function commandText(context: TurnContext): string {
  const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
  return text.replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ').trim().toLowerCase();
}

/** The channel an activity happened in, with a reference that posts a new thread there. */
export function seenChannel(activity: Activity): channels.SeenChannel | null {
  if (activity.conversation?.conversationType !== 'channel') return null;
  const data = (activity.channelData ?? {}) as { channel?: { id?: string; name?: string }; team?: { id?: string } };
  const conversationId = data.channel?.id ?? activity.conversation.id.split(';')[0]!;
  const reference = TurnContext.getConversationReference(activity);
  delete reference.activityId;
  return {
    conversationId,
    teamId: data.team?.id ?? null,
    tenantId: tenantOf(activity) ?? null,
    name: data.channel?.name ?? activity.conversation.name ?? null,
    reference: { ...reference, conversation: { ...reference.conversation!, id: conversationId } },
  };
}

class Refusal extends Error {}

export class MissingHuddleBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.remember(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.forgetTeam(context);
      await next();
    });
    this.onTeamsChannelDeletedEvent(async (channelInfo, _team, context, next) => {
      const count = channelInfo.id ? await channels.deactivateChannels(this.deps.db, { conversationId: channelInfo.id }) : 0;
      if (count > 0) await this.audit(context, 'channel.deleted', { channel: channelInfo.id });
      await next();
    });
  }

  /** Refuses activities from tenants outside ALLOWED_TENANT_IDS before any handler sees them. */
  override async run(context: TurnContext): Promise<void> {
    const tenant = tenantOf(context.activity);
    const allowed = this.deps.allowedTenantIds;
    if (allowed.length > 0 && (!tenant || !allowed.includes(tenant))) {
      this.deps.logger.warn({ tenant, type: context.activity.type }, 'activity from a tenant that is not allowed');
      await this.audit(context, 'tenant.refused', { tenant: tenant ?? null, activityType: context.activity.type });
      if (context.activity.type === ActivityTypes.Invoke) {
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 403, body: { error: 'This tenant is not allowed to use Missing Huddle.' } } });
      }
      return;
    }
    await super.run(context);
  }

  // Installation and channel lifecycle

  protected override async onTeamsMembersAdded(context: TurnContext): Promise<void> {
    if (context.activity.membersAdded?.some((member) => member.id === context.activity.recipient.id)) await this.remember(context);
  }

  protected override async onTeamsMembersRemoved(context: TurnContext): Promise<void> {
    if (context.activity.membersRemoved?.some((member) => member.id === context.activity.recipient.id)) await this.forgetTeam(context);
  }

  private async remember(context: TurnContext): Promise<channels.Channel | null> {
    const seen = seenChannel(context.activity);
    return seen ? channels.upsertChannel(this.deps.db, seen) : null;
  }

  private async forgetTeam(context: TurnContext): Promise<void> {
    const teamId = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
    const seen = seenChannel(context.activity);
    const count = await channels.deactivateChannels(this.deps.db, { teamId: teamId ?? undefined, conversationId: seen?.conversationId });
    if (count > 0) await this.audit(context, 'bot.removed', { teamId: teamId ?? null, channels: count });
  }

  // Commands

  private async answer(context: TurnContext): Promise<void> {
    const channel = await this.remember(context);
    const [name = '', ...args] = commandText(context).split(/\s+/);
    try {
      switch (name) {
        case 'help':
          return void (await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderHelpCard(COMMANDS, channel ? 'channel' : 'personal')))));
        case 'link':
          return await this.link(context, this.requireChannel(channel), args[0]);
        case 'unlink':
          return await this.link(context, this.requireChannel(channel), null);
        case 'display':
          return await this.display(context, this.requireChannel(channel), args[0]);
        case 'status':
          return await this.status(context, channel);
        case 'missing':
          return await this.missingForm(context);
        case 'history':
          return await this.history(context, args[0]);
        case 'list':
        case 'overdue':
          return await this.postList(context, channel, name === 'list' ? 'daily_list' : 'overdue');
        default: {
          const known = COMMANDS.map((command) => command.name).join(', ');
          // The words are not repeated back: someone may have typed a child's name.
          await context.sendActivity(name ? `I don't know that command. Try one of: ${known}. Type help to see what each does.` : 'Type help to see what I can do.');
        }
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      await context.sendActivity(error.message);
    }
  }

  private requireChannel(channel: channels.Channel | null): channels.Channel {
    if (!channel) throw new Refusal('That works in a team channel: mention me there, e.g. @Missing Huddle link police.');
    return channel;
  }

  /**
   * The missing team: the configured coordinators, and members of a team that has a channel linked
   * to the missing team (standard channels share their team's members).
   */
  async isMissingTeam(context: TurnContext): Promise<boolean> {
    const from = context.activity.from;
    if (from?.aadObjectId && this.deps.missingTeamUserIds.includes(from.aadObjectId)) return true;
    for (const teamId of await channels.missingTeamTeams(this.deps.db)) {
      try {
        await TeamsInfo.getTeamMember(context, teamId, from.id);
        return true;
      } catch {
        // Not a member of that team (or the roster is unavailable): keep looking.
      }
    }
    return false;
  }

  private async requireMissingTeam(context: TurnContext, action: string): Promise<void> {
    if (await this.isMissingTeam(context)) return;
    await this.audit(context, 'command.refused', { action });
    throw new Refusal(`Only the missing team can ${action}. Ask your missing coordinator if this channel should change.`);
  }

  private async link(context: TurnContext, channel: channels.Channel, agencyWord: string | undefined | null): Promise<void> {
    const unlinking = agencyWord === null;
    await this.requireMissingTeam(context, unlinking ? 'unlink a channel' : 'link a channel');
    const agency = unlinking ? null : AGENCIES.find((code) => code === agencyWord);
    if (!unlinking && !agency) throw new Refusal(`Say which agency: link ${AGENCIES.join(' | ')}.`);
    await channels.setChannelAgency(this.deps.db, channel.id, agency ?? null);
    await this.audit(context, unlinking ? 'channel.unlinked' : 'channel.linked', { channel: channel.id, agency: agency ?? null, previous: channel.agency });
    const { postTime } = this.deps.settings;
    await context.sendActivity(
      agency
        ? `This channel is now linked to ${AGENCY_NAMES[agency]}. I'll post the daily missing list here at ${postTime} on working days, showing children by ${channel.displayLevel === 'full' ? 'full name' : 'initials and case reference'}.`
        : 'This channel is no longer linked: the daily list will not be posted here.',
    );
  }

  private async display(context: TurnContext, channel: channels.Channel, level: string | undefined): Promise<void> {
    await this.requireMissingTeam(context, 'change how children are shown');
    if (level !== 'initials' && level !== 'full') throw new Refusal('Say display initials (initials, case reference and age) or display full (full names).');
    await channels.setDisplayLevel(this.deps.db, channel.id, level);
    await this.audit(context, 'channel.display_changed', { channel: channel.id, from: channel.displayLevel, to: level });
    await context.sendActivity(level === 'full' ? 'Cards here will now show full names.' : 'Cards here will now show initials, case reference and age only.');
  }

  private async status(context: TurnContext, channel: channels.Channel | null): Promise<void> {
    const { db, settings } = this.deps;
    const today = localDate(this.deps.now(), settings.timeZone);
    const lines: string[] = [];
    if (channel) {
      if (!channel.agency) lines.push('This channel is not linked to an agency, so the daily list is not posted here. The missing team can say: link police (or health, education, social-care, youth-justice).');
      else {
        lines.push(`This channel is linked to **${AGENCY_NAMES[channel.agency]}** and shows children by ${channel.displayLevel === 'full' ? 'full name' : 'initials, case reference and age'}.`);
        const post = (await postedCardsOn(db, today)).find((card) => card.scheduled && card.channelId === channel.id);
        lines.push(
          !post
            ? `Today's list is posted at ${settings.postTime} on working days.`
            : post.status === 'sent'
              ? `Today's list was posted here.`
              : `Today's list has **not got through yet** (${post.attempts} attempt(s): ${post.lastError ?? 'in progress'}); I keep retrying.`,
        );
      }
    }
    if (await this.isMissingTeam(context)) {
      const undelivered = await undeliveredPosts(db, today);
      const linked = await channels.activeLinkedChannels(db);
      lines.push(`Linked channels: ${linked.length ? linked.map((item) => `${item.name ?? item.conversationId} (${AGENCY_NAMES[item.agency!]})`).join(', ') : 'none yet'}.`);
      lines.push(undelivered.length ? `**Not delivered:** ${undelivered.map((post) => `${post.conversationId}: ${post.status}, ${post.attempts} attempt(s), ${post.lastError ?? ''}`).join('; ')}` : 'Every daily post today got through.');
    }
    if (lines.length === 0) lines.push('Mention me in your agency channel to see its status.');
    await context.sendActivity(lines.join('\n\n'));
  }

  private async postList(context: TurnContext, channel: channels.Channel | null, kind: ListCardKind): Promise<void> {
    if (channel && !channel.agency) throw new Refusal('This channel is not linked to an agency yet, so I cannot post the list here. The missing team can say: link police (or another agency).');
    const audience = await this.audienceOf(context);
    if (!audience) {
      await this.audit(context, 'command.refused', { action: kind });
      throw new Refusal("The daily list is posted in your agency's channel. In a personal chat it is for the missing team only.");
    }
    const { displayLevel } = audience;
    const now = this.deps.now();
    const date = localDate(now, this.deps.settings.timeZone);
    const card = await listCard(this.deps.db, { kind, date, page: 0, audience, now }, this.deps.settings);
    const response = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
    const reference = TurnContext.getConversationReference(context.activity);
    await recordOnDemandPost(this.deps.db, {
      kind,
      listDate: date,
      conversationId: context.activity.conversation.id,
      reference,
      displayLevel,
      activityId: response?.id,
      instance: this.deps.instance,
      now,
    });
    await this.audit(context, 'list.disclosed', { kind, listDate: date, displayLevel });
  }

  private async missingForm(context: TurnContext): Promise<void> {
    await this.requireMissingTeam(context, 'report a child missing from Teams');
    const now = this.deps.now();
    const tz = this.deps.settings.timeZone;
    const card = renderCard('missing-form', { today: localDate(now, tz), timeNow: formatLocal(now, tz, 'HH:mm'), data: { listDate: localDate(now, tz) } });
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }

  private async history(context: TurnContext, ref: string | undefined): Promise<void> {
    await this.requireMissingTeam(context, "see a child's history");
    const child = ref ? await findChildByRef(this.deps.db, ref.toUpperCase()) ?? (await findChildByRef(this.deps.db, ref)) : undefined;
    if (!child) throw new Refusal(ref ? 'No child has that case reference.' : 'Say which child: history <case ref>.');
    await this.audit(context, 'child.history_disclosed', { childRef: child.ref });
    await context.sendActivity(await childHistoryText(this.deps.db, child, this.deps.settings.timeZone));
  }

  // Card actions (Action.Execute → adaptiveCard/action): the router checks who is looking, then the route table

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const verb = typeof invoke?.action?.verb === 'string' ? invoke.action.verb : '';
    const route = Object.hasOwn(ACTIONS, verb) ? ACTIONS[verb] : undefined;
    const raw = invoke?.action?.data;
    try {
      if (!route) throw new ActionRefusal(400, 'That action is not known. The card may be out of date: send list to get a new one.', 'unknown verb');
      const audience = await this.audienceOf(context);
      if (!audience) throw new ActionRefusal(403, 'This conversation cannot act on the list: it is for linked agency channels and the missing team.', 'conversation not allowed');
      const data = route.schema.safeParse(raw);
      if (!data.success) throw new ActionRefusal(400, 'That card action was not valid. Send list to get a fresh card.', 'invalid data');
      const missingTeam = audience.agency === 'missing-team' || (await this.isMissingTeam(context));
      return await route.handle({ turn: context, audience, missingTeam, deps: this.actionDeps }, data.data, raw as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof ActionRefusal)) throw error;
      await this.audit(context, 'invoke.refused', { verb: verb.slice(0, 40), reason: error.reason });
      return errorResponse(error.status, error.status === 404 ? 'NotFound' : error.status === 403 ? 'Forbidden' : 'BadRequest', error.message);
    }
  }

  private get actionDeps(): ActionDeps {
    return { db: this.deps.db, settings: this.deps.settings, now: this.deps.now, refresher: this.deps.refresher };
  }

  /** Who is looking: a linked channel's agency, or the missing team in personal chat; null otherwise. */
  private async audienceOf(context: TurnContext): Promise<Audience | null> {
    const channel = seenChannel(context.activity);
    if (channel) return audienceOf(this.deps.db, channel.conversationId);
    if (context.activity.conversation?.conversationType === 'personal' && (await this.isMissingTeam(context))) return { agency: 'missing-team', displayLevel: 'full' };
    return null;
  }

  private async audit(context: TurnContext, action: string, details: Record<string, unknown>): Promise<void> {
    await audit(this.deps.db, {
      actor: context.activity.from?.aadObjectId ?? context.activity.from?.id ?? 'unknown',
      actorKind: 'teams',
      action,
      conversationId: context.activity.conversation?.id,
      details,
    });
  }
}

function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } as never };
}

