import { ActivityTypes, CardFactory, MessageFactory, TeamsActivityHandler, TurnContext, type Activity } from 'botbuilder';
import type { Logger } from 'pino';
import { renderHelpCard, type HelpCommand } from '../cards/render';
import type { Database } from '../store/db';
import { audit } from '../store/repositories';

export interface BotDeps {
  db: Database;
  logger: Logger;
  allowedTenantIds: string[];
}

/** The commands the bot answers, with the words its help card uses for them. */
export const COMMANDS: (HelpCommand & { name: string })[] = [{ name: 'help', usage: 'help', description: 'What I can do and how to ask.' }];

export function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

/** The words of a message with the bot's @mention taken out, lower-cased. */
export function commandText(context: TurnContext): string {
  const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
  return text.replace(/<[^>]+>/g, '').trim().toLowerCase();
}

export class MissingHuddleBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
  }

  /** Refuses activities from tenants outside ALLOWED_TENANT_IDS before any handler sees them. */
  override async run(context: TurnContext): Promise<void> {
    const tenant = tenantOf(context.activity);
    const allowed = this.deps.allowedTenantIds;
    if (allowed.length > 0 && (!tenant || !allowed.includes(tenant))) {
      this.deps.logger.warn({ tenant, type: context.activity.type }, 'activity from a tenant that is not allowed');
      await audit(this.deps.db, {
        actor: context.activity.from?.aadObjectId ?? context.activity.from?.id ?? 'unknown',
        actorKind: 'teams',
        action: 'tenant.refused',
        conversationId: context.activity.conversation?.id,
        details: { tenant: tenant ?? null, activityType: context.activity.type },
      });
      if (context.activity.type === ActivityTypes.Invoke) {
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 403, body: { error: 'This tenant is not allowed to use Missing Huddle.' } } });
      }
      return;
    }
    await super.run(context);
  }

  private async answer(context: TurnContext): Promise<void> {
    const text = commandText(context);
    const where = context.activity.conversation?.conversationType === 'channel' ? 'channel' : 'personal';
    const command = COMMANDS.find((candidate) => text === candidate.name || text.startsWith(`${candidate.name} `));
    if (command?.name === 'help') {
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderHelpCard(COMMANDS, where))));
      return;
    }
    const known = COMMANDS.map((candidate) => candidate.usage).join(', ');
    await context.sendActivity(
      // The words are not repeated back: someone may have typed a child's name.
      text ? `I don't know that command. Try one of: ${known}. Type help to see what each does.` : 'Type help to see what I can do.',
    );
  }
}
