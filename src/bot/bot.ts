import type { Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, Mention } from 'botbuilder';
// botbuilder's own files and botbuilder-core, not botbuilder's index: the index also loads skills,
// streaming, SharePoint and the transcript store at every start (test/app/modulesLoaded.test.ts).
import { ActivityTypes, CardFactory, MessageFactory, TurnContext } from 'botbuilder-core';
import { TeamsActivityHandler } from 'botbuilder/lib/teamsActivityHandler';
import { TeamsInfo } from 'botbuilder/lib/teamsInfo';
import type { Place } from '../domain/access';
import { welcome } from '../conversation/commands';
import { runCardAction, runCommand } from '../conversation/router';
import { ROSTER_LIMIT, type ConversationDeps, type Turn } from '../conversation/turn';
import * as channels from '../store/channels';
import type { ConversationRef } from '../store/conversationRef';
import { audit } from '../store/repositories';

/**
 * Teams, through botbuilder: turns activities into the project's own Turn (who, where, reply) and
 * hands them to the router. Nothing outside src/bot/ sees a TurnContext.
 */

export interface BotDeps extends ConversationDeps {
  allowedTenantIds: string[];
}

export function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

/** The words of a message with the bot's @mention taken out. */
export function commandText(context: TurnContext): string {
  const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
  return text.replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ').trim();
}

/** The channel an activity happened in, with a reference that posts a new thread there. */
export function seenChannel(activity: Activity): channels.SeenChannel | null {
  if (activity.conversation?.conversationType !== 'channel') return null;
  const data = (activity.channelData ?? {}) as { channel?: { id?: string; name?: string }; team?: { id?: string; aadGroupId?: string } };
  const conversationId = data.channel?.id ?? activity.conversation.id.split(';')[0]!;
  const reference = TurnContext.getConversationReference(activity);
  delete reference.activityId;
  return {
    conversationId,
    teamId: data.team?.id ?? null,
    teamAadGroupId: data.team?.aadGroupId ?? null,
    tenantId: tenantOf(activity) ?? null,
    name: data.channel?.name ?? activity.conversation.name ?? null,
    reference: { ...reference, conversation: { ...reference.conversation!, id: conversationId } } as ConversationRef,
  };
}

/**
 * Where an activity comes from, as the bot knows it: a channel it has not seen is unknown. `known`
 * is the channel's row when the caller has just recorded it (a message), so it is not read again.
 */
async function placeOf(deps: BotDeps, activity: Activity, seen: channels.SeenChannel | null, known?: channels.Channel): Promise<{ place: Place; conversationId: string }> {
  const type = activity.conversation?.conversationType;
  if (seen) {
    const channel = known ?? (await deps.roles.standingOf(seen.conversationId));
    const place: Place = !channel ? { kind: 'unknown', why: 'never-seen' } : !channel.active ? { kind: 'unknown', why: 'inactive' } : { kind: 'channel', agency: channel.agency, displayLevel: channel.displayLevel };
    return { place, conversationId: seen.conversationId };
  }
  const conversationId = activity.conversation?.id ?? '';
  if (type === 'personal') return { place: { kind: 'personal' }, conversationId };
  return { place: { kind: 'unknown', why: type === 'groupChat' ? 'group-chat' : 'other' }, conversationId };
}

export class MissingHuddleBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      const channel = await this.remember(context);
      await runCommand(await this.turnOf(context, channel ?? undefined), commandText(context), this.deps);
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
    if (!context.activity.membersAdded?.some((member) => member.id === context.activity.recipient.id)) return;
    await this.remember(context);
    // Installed in a personal chat: say what the bot is for, instead of waiting for someone to guess "help".
    if (context.activity.conversation?.conversationType === 'personal') await welcome(await this.turnOf(context), this.deps);
  }

  protected override async onTeamsMembersRemoved(context: TurnContext): Promise<void> {
    if (context.activity.membersRemoved?.some((member) => member.id === context.activity.recipient.id)) await this.forgetTeam(context);
  }

  /** A channel the bot is installed in or mentioned in is known from then on (unlinked until the missing team links it). */
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

  // Card actions (Action.Execute → adaptiveCard/action)

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const verb = typeof invoke?.action?.verb === 'string' ? invoke.action.verb : '';
    const answer = await runCardAction(await this.turnOf(context), verb, invoke?.action?.data, this.deps);
    if (answer.status === 200) return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: answer.card };
    const code = answer.status === 404 ? 'NotFound' : answer.status === 403 ? 'Forbidden' : 'BadRequest';
    return { statusCode: answer.status, type: 'application/vnd.microsoft.error', value: { code, message: answer.message } as never };
  }

  /** The project's own view of this turn: who (with their roles), where, and how to answer. */
  private async turnOf(context: TurnContext, known?: channels.Channel): Promise<Turn> {
    const { activity } = context;
    const seen = seenChannel(activity);
    const [who, { place, conversationId }] = await Promise.all([this.deps.roles.person({ id: activity.from?.aadObjectId, name: activity.from?.name }), placeOf(this.deps, activity, seen, known)]);
    const reference = (seen?.reference ?? TurnContext.getConversationReference(activity)) as ConversationRef;
    const { logger } = this.deps;
    // The roster is read once per turn at most: a huddle save checks the person and draws the next form.
    let roster: Promise<Awaited<ReturnType<Turn['roster']>>> | undefined;
    return {
      who,
      userId: activity.from?.id ?? '',
      place,
      conversationId,
      reference,
      async reply(message) {
        const response = await context.sendActivity(typeof message === 'string' ? MessageFactory.text(message) : MessageFactory.attachment(CardFactory.adaptiveCard(message)));
        return response?.id;
      },
      async mentioned() {
        const mentions = (activity.entities ?? []).filter((entity): entity is Mention & { type: string } => entity.type === 'mention') as unknown as Mention[];
        const people = mentions.map((mention) => mention.mentioned).filter((account) => account?.id && account.id !== activity.recipient?.id);
        return Promise.all(
          people.map(async (account) => {
            try {
              const member = await TeamsInfo.getMember(context, account.id);
              return { id: member.aadObjectId ?? null, name: member.name ?? account.name ?? 'that person' };
            } catch {
              return { id: null, name: account.name ?? 'that person' };
            }
          }),
        );
      },
      roster() {
        if (activity.conversation?.conversationType !== 'channel') return Promise.resolve([]);
        roster ??= TeamsInfo.getPagedMembers(context, ROSTER_LIMIT).then(
          (page) => page.members.slice(0, ROSTER_LIMIT).map((member) => ({ teamsId: member.id, aadObjectId: member.aadObjectId ?? null, name: (member.name ?? 'Someone').slice(0, 120) })),
          (error: Error) => {
            logger.warn({ error: error.message }, 'could not read the team roster');
            return [];
          },
        );
        return roster;
      },
    };
  }

  private async audit(context: TurnContext, action: string, details: Record<string, unknown>): Promise<void> {
    await audit(this.deps.db, {
      actor: context.activity.from?.aadObjectId ?? context.activity.from?.id ?? 'unknown',
      actorName: context.activity.from?.name,
      actorKind: 'teams',
      action,
      conversationId: context.activity.conversation?.id,
      details,
    });
  }
}
