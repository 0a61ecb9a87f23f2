import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { Config } from '../config';

/**
 * The Bot Framework adapter. An empty MicrosoftAppId is local mode: no Bot Framework auth, as the
 * Agents Playground needs.
 */
export function createAdapter(config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>, logger: Logger): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: config.MicrosoftAppId,
      MicrosoftAppPassword: config.MicrosoftAppPassword,
      MicrosoftAppType: config.MicrosoftAppType,
      MicrosoftAppTenantId: config.MicrosoftAppTenantId,
    },
  );
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: { message: error.message, stack: error.stack }, activityType: context.activity.type }, 'turn failed');
    await context.sendActivity('Sorry, something went wrong on my side and nothing was changed. Please try again in a minute.').catch(() => undefined);
  };
  return adapter;
}
