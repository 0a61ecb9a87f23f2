import { z } from 'zod';

/**
 * The parts of an incoming activity the adapter and the bot rely on. A request without them is
 * answered 400 at the edge: botbuilder would otherwise fail deep inside with a 500.
 */
const account = z.object({ id: z.string().min(1) }).loose();

const cardAction = z.object({ action: z.object({}).loose() }).loose();

export const activityEnvelope = z
  .object({
    type: z.string().min(1),
    channelId: z.string().min(1),
    serviceUrl: z.url(),
    conversation: account,
    from: account,
    recipient: account,
    name: z.string().optional(),
    value: z.unknown().optional(),
    channelData: z.object({}).loose().optional(),
  })
  .loose()
  .refine((activity) => activity.type !== 'invoke' || typeof activity.name === 'string', { message: 'an invoke needs a name', path: ['name'] })
  // botbuilder reads value.action.type of a card action before any handler could refuse it.
  .refine((activity) => activity.type !== 'invoke' || activity.name !== 'adaptiveCard/action' || cardAction.safeParse(activity.value).success, {
    message: 'a card action needs value.action, an object',
    path: ['value'],
  });
