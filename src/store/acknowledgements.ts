import { randomUUID } from 'node:crypto';
import type { AgencyCode } from '../domain/types';
import type { Queryable } from './db';

/** Acknowledgements of a day's list, for the whole list (child null) or one child, one per agency. */

export interface Acknowledgement {
  agency: AgencyCode;
  agencyName: string;
  childId: string | null;
  userName: string;
  at: Date;
}

export interface AcknowledgementInput {
  listDate: string;
  agency: AgencyCode;
  childId: string | null;
  userId: string;
  userName: string;
  conversationId: string;
  at: Date;
}

/** Records the acknowledgement unless the agency already gave it; answers whether this one was new. */
export async function acknowledge(db: Queryable, input: AcknowledgementInput): Promise<boolean> {
  const rows = await db.query(
    `insert into acknowledgements (id, list_date, agency_code, child_id, user_id, user_name, conversation_id, acknowledged_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing returning id`,
    [randomUUID(), input.listDate, input.agency, input.childId, input.userId, input.userName, input.conversationId, input.at],
  );
  return rows.length > 0;
}

export async function acknowledgementsOn(db: Queryable, listDate: string): Promise<Acknowledgement[]> {
  const rows = await db.query<{ agency_code: AgencyCode; name: string; child_id: string | null; user_name: string; acknowledged_at: Date }>(
    `select k.agency_code, a.name, k.child_id, k.user_name, k.acknowledged_at from acknowledgements k join agencies a on a.code = k.agency_code
      where k.list_date = $1 order by k.acknowledged_at, a.name`,
    [listDate],
  );
  return rows.map((row) => ({ agency: row.agency_code, agencyName: row.name, childId: row.child_id, userName: row.user_name, at: new Date(row.acknowledged_at) }));
}
