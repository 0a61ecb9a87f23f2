import { newId } from './ids';
import type { ConversationRef } from './conversationRef';
import type { AgencyCode } from '../domain/types';
import type { Queryable } from './db';

/** Teams channels (and the team's General channel) the bot has seen, and the agency each is linked to. */

export type DisplayLevel = 'initials' | 'full';

export interface Channel {
  id: string;
  conversationId: string;
  teamId: string | null;
  /** The team's Entra group id: Graph names the team by it. */
  teamAadGroupId: string | null;
  tenantId: string | null;
  name: string | null;
  agency: AgencyCode | null;
  displayLevel: DisplayLevel;
  reference: ConversationRef;
  active: boolean;
}

const COLUMNS = 'id, conversation_id, team_id, team_aad_group_id, tenant_id, name, agency_code, display_level, conversation_reference, active';

const toChannel = (row: Record<string, unknown>): Channel => ({
  id: row.id as string,
  conversationId: row.conversation_id as string,
  teamId: (row.team_id as string | null) ?? null,
  teamAadGroupId: (row.team_aad_group_id as string | null) ?? null,
  tenantId: (row.tenant_id as string | null) ?? null,
  name: (row.name as string | null) ?? null,
  agency: (row.agency_code as AgencyCode | null) ?? null,
  displayLevel: row.display_level as DisplayLevel,
  reference: row.conversation_reference as ConversationRef,
  active: row.active as boolean,
});

export interface SeenChannel {
  conversationId: string;
  teamId: string | null;
  teamAadGroupId?: string | null;
  tenantId: string | null;
  name: string | null;
  reference: ConversationRef;
}

/** Records (or refreshes) a channel the bot was installed in or mentioned in; it becomes active again. */
export async function upsertChannel(db: Queryable, seen: SeenChannel): Promise<Channel> {
  const rows = await db.query(
    `insert into channels (id, conversation_id, team_id, tenant_id, name, conversation_reference, active, last_activity_at, team_aad_group_id)
     values ($1, $2, $3, $4, $5, $6, true, now(), $7)
     on conflict (conversation_id) do update set
       team_id = coalesce(excluded.team_id, channels.team_id),
       team_aad_group_id = coalesce(excluded.team_aad_group_id, channels.team_aad_group_id),
       tenant_id = coalesce(excluded.tenant_id, channels.tenant_id),
       name = coalesce(excluded.name, channels.name),
       conversation_reference = excluded.conversation_reference,
       active = true, last_activity_at = now(), updated_at = now()
     returning ${COLUMNS}`,
    [newId(), seen.conversationId, seen.teamId, seen.tenantId, seen.name, JSON.stringify(seen.reference), seen.teamAadGroupId ?? null],
  );
  return toChannel(rows[0]!);
}

/** What deciding who may act where needs of a channel: read at every card tap, so nothing more (not its reference). */
export type ChannelStanding = Pick<Channel, 'agency' | 'displayLevel' | 'active'>;

export async function channelStanding(db: Queryable, conversationId: string): Promise<ChannelStanding | undefined> {
  const rows = await db.query(`select agency_code, display_level, active from channels where conversation_id = $1`, [conversationId]);
  return rows[0] && { agency: (rows[0].agency_code as AgencyCode | null) ?? null, displayLevel: rows[0].display_level as DisplayLevel, active: rows[0].active as boolean };
}

export async function findChannel(db: Queryable, conversationId: string): Promise<Channel | undefined> {
  const rows = await db.query(`select ${COLUMNS} from channels where conversation_id = $1`, [conversationId]);
  return rows[0] && toChannel(rows[0]);
}

export async function setChannelAgency(db: Queryable, channelId: string, agency: AgencyCode | null): Promise<void> {
  await db.query('update channels set agency_code = $2, updated_at = now() where id = $1', [channelId, agency]);
}

export async function setDisplayLevel(db: Queryable, channelId: string, level: DisplayLevel): Promise<void> {
  await db.query('update channels set display_level = $2, updated_at = now() where id = $1', [channelId, level]);
}

/** Marks one channel, or every channel of a team (the bot was removed), inactive. Answers how many. */
export async function deactivateChannels(db: Queryable, where: { conversationId?: string; teamId?: string }): Promise<number> {
  const rows = await db.query(
    `update channels set active = false, updated_at = now()
      where active and (conversation_id = $1 or team_id = $2) returning id`,
    [where.conversationId ?? null, where.teamId ?? null],
  );
  return rows.length;
}

export async function activeLinkedChannels(db: Queryable): Promise<Channel[]> {
  return (await db.query(`select ${COLUMNS} from channels where active and agency_code is not null order by agency_code, name`)).map(toChannel);
}

/** Teams holding an active channel linked to the missing team. */
export async function missingTeamTeams(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ team_id: string }>(`select distinct team_id from channels where active and agency_code = 'missing-team' and team_id is not null`);
  return rows.map((row) => row.team_id);
}

/** The agencies with at least one active linked channel, with their display names. */
export async function linkedAgencies(db: Queryable): Promise<{ code: AgencyCode; name: string }[]> {
  const rows = await db.query<{ code: AgencyCode; name: string }>(
    `select distinct a.code, a.name from channels c join agencies a on a.code = c.agency_code where c.active order by a.name`,
  );
  return rows;
}

