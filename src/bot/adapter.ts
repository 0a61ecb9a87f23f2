import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
// botbuilder's own files and botbuilder-core, not botbuilder's index: the index also loads skills,
// streaming, SharePoint and the transcript store at every start (test/app/modulesLoaded.test.ts).
import { ActivityTypes, ConfigurationBotFrameworkAuthentication } from 'botbuilder-core';
import { CloudAdapter } from 'botbuilder/lib/cloudAdapter';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { DatabaseUnavailable } from '../store/db';

type Claims = Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0];
type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type UserTokenClient = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>>;
type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/** How many clients of each kind are kept: one per bot app id, serviceUrl and audience in use. */
export const CLIENTS_KEPT = 64;

/**
 * `make()`'s promise kept under `key`, at most `limit` of them (the oldest made is dropped first): a
 * client that failed to be made is dropped, so the next activity tries again.
 */
export function keep<T>(kept: Map<string, Promise<T>>, key: string, limit: number, make: () => Promise<T>): Promise<T> {
  const found = kept.get(key);
  if (found) return found;
  const made = make();
  kept.set(key, made);
  if (kept.size > limit) kept.delete(kept.keys().next().value!);
  made.catch(() => {
    if (kept.get(key) === made) kept.delete(key);
  });
  return made;
}

/**
 * The connector client retries on its own (the Azure pipeline's default policy: 3 more tries on
 * 5xx and 429), which multiplied the sender's retries and held a turn's reply to an unreachable
 * serviceUrl for 10 to 16 seconds. Its `noRetryPolicy` option is not implemented by
 * botbuilder-stdlib, so the policy is removed from every client the adapter makes, once, as it is
 * made: replies and proactive posts alike, the sender's retries are the only ones.
 */
function withoutHiddenRetries(client: ConnectorClient): ConnectorClient {
  (client as unknown as { client?: { pipeline?: { removePolicy(options: { name: string }): unknown } } }).client?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
  return client;
}

/** The bot's app id in an activity's claims, as botbuilder's own authentication reads it (audience, else appid). */
const appIdOf = (claims: Claims): string => claims.getClaimValue('aud') ?? claims.getClaimValue('appid') ?? '';

/**
 * botbuilder's authentication with the clients it makes kept. CloudAdapter asks it for a new
 * ConnectorClient (new credentials and an Azure request pipeline) and a new UserTokenClient for
 * every activity and every proactive post: about a tenth of a card action's time in the service's
 * thread, profiled. A client holds nothing of the activity: its app id, serviceUrl, audience and
 * credentials (whose token cache gains from being shared), so one is kept for each of those,
 * as botbuilder-dotnet caches its connector clients (its issues 491 and 883).
 */
export class KeptClientsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly tokenClients = new Map<string, Promise<UserTokenClient>>();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    return result.connectorFactory ? { ...result, connectorFactory: this.kept(result.connectorFactory, appIdOf(result.claimsIdentity)) } : result;
  }

  override createConnectorFactory(claimsIdentity: Claims): ConnectorFactory {
    return this.kept(super.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: Claims): Promise<UserTokenClient> {
    return keep(this.tokenClients, appIdOf(claimsIdentity), CLIENTS_KEPT, () => super.createUserTokenClient(claimsIdentity));
  }

  private kept(factory: ConnectorFactory, appId: string): ConnectorFactory {
    return { create: (serviceUrl: string, audience?: string) => keep(this.connectors, JSON.stringify([appId, serviceUrl, audience ?? null]), CLIENTS_KEPT, async () => withoutHiddenRetries(await factory.create(serviceUrl, audience))) };
  }
}

/** CloudAdapter with its activity processing reachable, so that the server maps failures itself. */
export class HuddleAdapter extends CloudAdapter {
  receive(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, activity, logic);
  }
}

/**
 * The Bot Framework adapter. An empty MicrosoftAppId is local mode: no Bot Framework auth, as the
 * Agents Playground needs.
 */
export function createAdapter(config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>, logger: Logger): HuddleAdapter {
  const auth = new KeptClientsAuthentication(
    {
      MicrosoftAppId: config.MicrosoftAppId,
      MicrosoftAppPassword: config.MicrosoftAppPassword,
      MicrosoftAppType: config.MicrosoftAppType,
      MicrosoftAppTenantId: config.MicrosoftAppTenantId,
    },
  );
  const adapter = new HuddleAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: { message: error.message, stack: error.stack }, activityType: context.activity.type }, 'turn failed');
    const message =
      error instanceof DatabaseUnavailable
        ? 'The database is not answering just now, so nothing was changed. Please try again in a minute.'
        : 'Sorry, something went wrong on my side and nothing was changed. Please try again in a minute.';
    const status = error instanceof DatabaseUnavailable ? 503 : 500;
    // A card action gets an error card for the person who tapped; only a message is answered with a
    // message (in reply to it). Nothing else is posted: an apology in a channel reaches the whole team.
    if (context.activity.type === ActivityTypes.Invoke) {
      await context
        .sendActivity({ type: ActivityTypes.InvokeResponse, value: { status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code: status === 503 ? 'ServiceUnavailable' : 'InternalError', message } } } })
        .catch(() => undefined);
    } else if (context.activity.type === ActivityTypes.Message) {
      await context.sendActivity(message).catch(() => undefined);
    }
  };
  return adapter;
}
