/**
 * Where to post later, as the store keeps it: the fields of a Bot Framework conversation reference
 * that a proactive post needs, in a type of our own (src/bot/ converts it), so that moving off
 * botbuilder does not reach into the store.
 */
export interface ConversationRef {
  serviceUrl?: string;
  channelId?: string;
  locale?: string;
  bot?: { id: string; name?: string };
  user?: { id: string; name?: string; aadObjectId?: string };
  conversation?: { id: string; conversationType?: string; isGroup?: boolean; tenantId?: string; name?: string };
}
