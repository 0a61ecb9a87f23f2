import type { Activity } from 'botbuilder';
import type { HuddleAdapter } from './adapter';
import type { Logger } from 'pino';
import type { MissingHuddleBot } from './bot';

/**
 * One activity from the Bot Connector, authenticated and run. Failures answer without internal
 * detail: a token that does not verify is 401, signing keys that cannot be fetched 503 (try again),
 * anything else a plain 500; none of them prints a stack.
 */
export interface Received {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  const message = (error as { message?: unknown }).message;
  const named = typeof message === 'string' ? [...UNREACHABLE].find((candidate) => message.includes(candidate)) : undefined;
  return named ?? causeCode(cause, depth + 1);
}

export async function receiveActivity(adapter: HuddleAdapter, bot: MissingHuddleBot, authorization: string, activity: Activity, logger: Logger): Promise<Received> {
  try {
    const invoke = await adapter.receive(authorization, activity, (context) => bot.run(context));
    return { status: invoke?.status ?? 200, body: invoke?.body };
  } catch (error) {
    const unreachable = causeCode(error);
    if (unreachable) {
      logger.warn({ code: unreachable }, 'could not fetch the Bot Framework signing keys; activity refused');
      return { status: 503, body: { error: 'Cannot verify the request just now; try again.' }, headers: { 'Retry-After': '30' } };
    }
    if ((error as { statusCode?: number }).statusCode === 401 || (error as Error).name === 'AuthenticationError') {
      logger.warn({ reason: (error as Error).message?.slice(0, 120) }, 'activity with a token that does not verify');
      return { status: 401, body: { error: 'The request is not authorised.' } };
    }
    logger.error({ err: { message: (error as Error).message, stack: (error as Error).stack } }, 'activity failed');
    return { status: 500, body: { error: 'Something went wrong on our side.' } };
  }
}
