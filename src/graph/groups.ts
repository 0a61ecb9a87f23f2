import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphUnavailable, graphLibrary } from './client';

/** Graph answers checkMemberGroups for at most 20 groups a call. */
export const MAX_GROUPS_PER_CALL = 20;

export interface GroupMembership {
  /** The groups of `groupIds` the user is a member of, directly or through other groups. */
  memberOf(userId: string, groupIds: readonly string[]): Promise<Set<string>>;
}

/**
 * `POST /users/{id}/checkMemberGroups` (application permissions User.Read.All and
 * GroupMember.Read.All). No retries here: a role check sits inside a Teams invoke that must answer
 * within seconds, and a failure refuses (the person can try again), it never grants.
 */
export class GraphGroupMembership implements GroupMembership {
  constructor(private readonly client: Client) {}

  async memberOf(userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < groupIds.length; start += MAX_GROUPS_PER_CALL) {
      const chunk = groupIds.slice(start, start + MAX_GROUPS_PER_CALL);
      let answer: { value?: unknown };
      try {
        answer = await this.client
          .api(`/users/${encodeURIComponent(userId)}/checkMemberGroups`)
          .middlewareOptions([new (graphLibrary().RetryHandlerOptions)(0, 0)])
          .post({ groupIds: chunk });
      } catch (error) {
        throw new GraphUnavailable('checkMemberGroups', (error as { statusCode?: number }).statusCode);
      }
      if (!Array.isArray(answer?.value)) throw new GraphUnavailable('checkMemberGroups', undefined);
      for (const id of answer.value) if (typeof id === 'string' && chunk.includes(id)) found.add(id);
    }
    return found;
  }
}
