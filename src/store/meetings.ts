import { newId } from './ids';
import type { MeetingKind } from '../domain/meetings';
import type { Queryable } from './db';

/** Meetings booked from the card, one booked meeting per child and trigger. */

export interface Meeting {
  id: string;
  childId: string;
  kind: MeetingKind;
  trigger: string;
  /** Every trigger due when it was booked. */
  answers: string[];
  status: 'booked' | 'cancelled';
  startsAt: Date;
  endsAt: Date;
  organiser: string;
  attendees: string[];
  bookedBy: string;
  bookedByName: string | null;
  transactionId: string;
  graphEventId: string | null;
  joinUrl: string | null;
  invitationSent: boolean;
}

const COLUMNS = `id, child_id, kind, trigger_key, answers, status, starts_at, ends_at, organiser_id, attendees, booked_by, booked_by_name, transaction_id, graph_event_id, join_url, invitation_sent`;

const toMeeting = (row: Record<string, unknown>): Meeting => ({
  id: row.id as string,
  childId: row.child_id as string,
  kind: row.kind as MeetingKind,
  trigger: row.trigger_key as string,
  answers: (row.answers as string[] | null) ?? [],
  status: row.status as Meeting['status'],
  startsAt: new Date(row.starts_at as Date),
  endsAt: new Date(row.ends_at as Date),
  organiser: row.organiser_id as string,
  attendees: (row.attendees as string[] | null) ?? [],
  bookedBy: row.booked_by as string,
  bookedByName: (row.booked_by_name as string | null) ?? null,
  transactionId: row.transaction_id as string,
  graphEventId: (row.graph_event_id as string | null) ?? null,
  joinUrl: (row.join_url as string | null) ?? null,
  invitationSent: row.invitation_sent as boolean,
});

export type NewMeeting = Omit<Meeting, 'id' | 'status'>;

/** Records a booked meeting; a second booking for the same child and trigger is a conflict (the unique index). */
export async function insertMeeting(db: Queryable, meeting: NewMeeting): Promise<Meeting> {
  const rows = await db.query(
    `insert into strategy_meetings (id, child_id, kind, trigger_key, answers, status, starts_at, ends_at, organiser_id, attendees, booked_by, booked_by_name, transaction_id, graph_event_id, join_url, invitation_sent)
     values ($1, $2, $3, $4, $15, 'booked', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning ${COLUMNS}`,
    [newId(), meeting.childId, meeting.kind, meeting.trigger, meeting.startsAt, meeting.endsAt, meeting.organiser, meeting.attendees, meeting.bookedBy, meeting.bookedByName, meeting.transactionId, meeting.graphEventId, meeting.joinUrl, meeting.invitationSent, meeting.answers],
  );
  return toMeeting(rows[0]!);
}

export async function findMeetingByTransaction(db: Queryable, transactionId: string): Promise<Meeting | undefined> {
  const rows = await db.query(`select ${COLUMNS} from strategy_meetings where transaction_id = $1`, [transactionId]);
  return rows[0] ? toMeeting(rows[0]) : undefined;
}

export async function findMeeting(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<Meeting | undefined> {
  const rows = await db.query(`select ${COLUMNS} from strategy_meetings where id = $1${options.lock ? ' for update' : ''}`, [id]);
  return rows[0] ? toMeeting(rows[0]) : undefined;
}

/** Every meeting of these children (booked and cancelled), latest first; bounded. */
export async function meetingsOf(db: Queryable, childIds: string[], limit = 500): Promise<Meeting[]> {
  if (childIds.length === 0) return [];
  const rows = await db.query(`select ${COLUMNS} from strategy_meetings where child_id = any($1::uuid[]) order by starts_at desc limit $2`, [childIds, limit]);
  return rows.map(toMeeting);
}

/** Booked meetings from `from` on, soonest first. */
export async function comingMeetings(db: Queryable, from: Date, limit: number): Promise<Meeting[]> {
  const rows = await db.query(`select ${COLUMNS} from strategy_meetings where status = 'booked' and ends_at >= $1 order by starts_at limit $2`, [from, limit]);
  return rows.map(toMeeting);
}

export async function rescheduleMeeting(db: Queryable, id: string, startsAt: Date, endsAt: Date): Promise<void> {
  await db.query(`update strategy_meetings set starts_at = $2, ends_at = $3, updated_at = now() where id = $1`, [id, startsAt, endsAt]);
}

export async function cancelMeeting(db: Queryable, id: string, comment: string): Promise<void> {
  await db.query(`update strategy_meetings set status = 'cancelled', cancel_comment = $2, updated_at = now() where id = $1`, [id, comment]);
}
