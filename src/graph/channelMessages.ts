import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphUnavailable, graphLibrary } from './client';

/** Graph lists at most 50 channel messages a page; a daily post that landed is among the newest. */
export const MESSAGES_LOOKED_AT = 50;

export interface PostFinder {
  /** The id of the channel's recent root message whose card carries `marker`, or null when none does. */
  findPost(teamAadGroupId: string, channelId: string, marker: string): Promise<string | null>;
}

/**
 * `GET /teams/{team-id}/channels/{channel-id}/messages` (resource-specific consent
 * ChannelMessage.Read.Group, granted to the app in the team by the manifest): reads the channel's
 * newest messages to see whether a post the sender could not confirm landed after all.
 */
export class GraphChannelMessages implements PostFinder {
  constructor(private readonly client: Client) {}

  async findPost(teamAadGroupId: string, channelId: string, marker: string): Promise<string | null> {
    let answer: { value?: unknown };
    try {
      answer = await this.client
        .api(`/teams/${encodeURIComponent(teamAadGroupId)}/channels/${encodeURIComponent(channelId)}/messages`)
        .top(MESSAGES_LOOKED_AT)
        .middlewareOptions([new (graphLibrary().RetryHandlerOptions)(1, 2)])
        .get();
    } catch (error) {
      throw new GraphUnavailable('list channel messages', (error as { statusCode?: number }).statusCode);
    }
    if (!Array.isArray(answer?.value)) throw new GraphUnavailable('list channel messages', undefined);
    for (const message of answer.value as { id?: unknown; attachments?: { content?: unknown }[] }[]) {
      if (typeof message.id !== 'string') continue;
      if ((message.attachments ?? []).some((attachment) => typeof attachment.content === 'string' && attachment.content.includes(marker))) return message.id;
    }
    return null;
  }
}
