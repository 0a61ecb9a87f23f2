import * as channels from '../../src/store/channels';
import type { Queryable } from '../../src/store/db';
import type { AgencyCode } from '../../src/domain/types';
import { TEAM_ID } from './connector';

/** The test team's Entra group id, by which Graph names it. */
export const TEAM_AAD_GROUP_ID = '44444444-4444-4444-8444-444444444444';

/** A channel the bot has seen and the missing team has linked, posting through the given connector. */
export async function linkTestChannel(db: Queryable, serviceUrl: string, conversationId: string, agency: AgencyCode, displayLevel?: channels.DisplayLevel): Promise<channels.Channel> {
  const channel = await channels.upsertChannel(db, {
    conversationId,
    teamId: TEAM_ID,
    teamAadGroupId: TEAM_AAD_GROUP_ID,
    tenantId: '00000000-0000-0000-0000-0000000000001',
    name: agency,
    reference: { serviceUrl, channelId: 'msteams', bot: { id: '28:missing-huddle', name: 'Missing Huddle' }, conversation: { id: conversationId, isGroup: true, conversationType: 'channel', name: agency } },
  });
  await channels.setChannelAgency(db, channel.id, agency);
  if (displayLevel) await channels.setDisplayLevel(db, channel.id, displayLevel);
  return { ...channel, agency, displayLevel: displayLevel ?? channel.displayLevel };
}
