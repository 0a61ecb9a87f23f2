import { newId } from './ids';
import type { ActionOwner, ActionStatus } from '../domain/actions';
import type { ConversationRef } from './conversationRef';
import type { Queryable } from './db';

/** The huddle's records: the day's huddle, its decision per child, and the actions agreed (kept for good). */

export interface Huddle {
  listDate: string;
  openedBy: string;
  openedByName: string | null;
  openedAt: Date;
  closedBy: string | null;
  closedByName: string | null;
  closedAt: Date | null;
}

export interface Decision {
  id: string;
  childId: string;
  listDate: string;
  body: string;
  setBy: string;
  setByName: string | null;
  setAt: Date;
}

export interface HuddleAction {
  id: string;
  childId: string;
  listDate: string;
  what: string;
  ownerAgency: ActionOwner;
  ownerUserId: string | null;
  ownerTeamsId: string | null;
  ownerName: string | null;
  ownerReference: ConversationRef | null;
  dueAt: Date;
  setBy: string;
  setByName: string | null;
  setAt: Date;
  status: ActionStatus;
  closedReason: string | null;
  closedBy: string | null;
  closedByName: string | null;
  closedAt: Date | null;
}

/** A child has at most this many actions from one huddle (a form adds one at a time). */
export const MAX_ACTIONS_PER_CHILD_DAY = 20;

const date = (value: unknown) => (value ? new Date(value as Date) : null);

const toHuddle = (row: Record<string, unknown>): Huddle => ({
  listDate: row.list_date as string,
  openedBy: row.opened_by as string,
  openedByName: (row.opened_by_name as string | null) ?? null,
  openedAt: new Date(row.opened_at as Date),
  closedBy: (row.closed_by as string | null) ?? null,
  closedByName: (row.closed_by_name as string | null) ?? null,
  closedAt: date(row.closed_at),
});

const toDecision = (row: Record<string, unknown>): Decision => ({
  id: row.id as string,
  childId: row.child_id as string,
  listDate: row.list_date as string,
  body: row.body as string,
  setBy: row.set_by as string,
  setByName: (row.set_by_name as string | null) ?? null,
  setAt: new Date(row.set_at as Date),
});

const toAction = (row: Record<string, unknown>): HuddleAction => ({
  id: row.id as string,
  childId: row.child_id as string,
  listDate: row.list_date as string,
  what: row.what as string,
  ownerAgency: row.owner_agency as ActionOwner,
  ownerUserId: (row.owner_user_id as string | null) ?? null,
  ownerTeamsId: (row.owner_teams_id as string | null) ?? null,
  ownerName: (row.owner_name as string | null) ?? null,
  ownerReference: (row.owner_reference as ConversationRef | null) ?? null,
  dueAt: new Date(row.due_at as Date),
  setBy: row.set_by as string,
  setByName: (row.set_by_name as string | null) ?? null,
  setAt: new Date(row.set_at as Date),
  status: row.status as ActionStatus,
  closedReason: (row.closed_reason as string | null) ?? null,
  closedBy: (row.closed_by as string | null) ?? null,
  closedByName: (row.closed_by_name as string | null) ?? null,
  closedAt: date(row.closed_at),
});

const HUDDLE_COLUMNS = `to_char(list_date, 'YYYY-MM-DD') as list_date, opened_by, opened_by_name, opened_at, closed_by, closed_by_name, closed_at`;
const DECISION_COLUMNS = `id, child_id, to_char(list_date, 'YYYY-MM-DD') as list_date, body, set_by, set_by_name, set_at`;
const ACTION_COLUMNS = `id, child_id, to_char(list_date, 'YYYY-MM-DD') as list_date, what, owner_agency, owner_user_id, owner_teams_id, owner_name, owner_reference,
  due_at, set_by, set_by_name, set_at, status, closed_reason, closed_by, closed_by_name, closed_at`;

/** Opens the day's huddle (or finds it open, or closed): answers it, and whether this call opened it. */
export async function openHuddle(db: Queryable, listDate: string, by: { id: string; name: string }, at: Date): Promise<{ huddle: Huddle; opened: boolean }> {
  const inserted = await db.query(
    `insert into huddles (list_date, opened_by, opened_by_name, opened_at) values ($1, $2, $3, $4) on conflict (list_date) do nothing returning ${HUDDLE_COLUMNS}`,
    [listDate, by.id, by.name.slice(0, 120), at],
  );
  if (inserted[0]) return { huddle: toHuddle(inserted[0]), opened: true };
  return { huddle: (await findHuddle(db, listDate))!, opened: false };
}

export async function findHuddle(db: Queryable, listDate: string): Promise<Huddle | undefined> {
  const rows = await db.query(`select ${HUDDLE_COLUMNS} from huddles where list_date = $1`, [listDate]);
  return rows[0] && toHuddle(rows[0]);
}

/** Closes the huddle once: answers true when this call closed it (the minutes go out then). */
export async function closeHuddle(db: Queryable, listDate: string, by: { id: string; name: string }, at: Date): Promise<boolean> {
  const rows = await db.query(`update huddles set closed_by = $2, closed_by_name = $3, closed_at = $4 where list_date = $1 and closed_at is null returning list_date`, [listDate, by.id, by.name.slice(0, 120), at]);
  return rows.length > 0;
}

/** Sets (or replaces) the huddle's decision about a child; answers the one it replaced, if any. */
export async function setDecision(db: Queryable, input: { childId: string; listDate: string; body: string; by: { id: string; name: string }; at: Date }): Promise<{ before: Decision | undefined; changed: boolean }> {
  const before = (await db.query(`select ${DECISION_COLUMNS} from huddle_decisions where child_id = $1 and list_date = $2 for update`, [input.childId, input.listDate]))[0];
  if (before && before.body === input.body) return { before: toDecision(before), changed: false };
  await db.query(
    `insert into huddle_decisions (id, child_id, list_date, body, set_by, set_by_name, set_at) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (child_id, list_date) do update set body = excluded.body, set_by = excluded.set_by, set_by_name = excluded.set_by_name, set_at = excluded.set_at`,
    [newId(), input.childId, input.listDate, input.body, input.by.id, input.by.name.slice(0, 120), input.at],
  );
  return { before: before && toDecision(before), changed: true };
}

export interface NewAction {
  childId: string;
  listDate: string;
  what: string;
  ownerAgency: ActionOwner;
  owner: { userId: string | null; teamsId: string; name: string; reference: ConversationRef } | null;
  dueAt: Date;
  by: { id: string; name: string };
  at: Date;
}

export async function addAction(db: Queryable, input: NewAction): Promise<HuddleAction> {
  const rows = await db.query(
    `insert into huddle_actions (id, child_id, list_date, what, owner_agency, owner_user_id, owner_teams_id, owner_name, owner_reference, due_at, set_by, set_by_name, set_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning ${ACTION_COLUMNS}`,
    [
      newId(),
      input.childId,
      input.listDate,
      input.what,
      input.ownerAgency,
      input.owner?.userId ?? null,
      input.owner?.teamsId ?? null,
      input.owner?.name.slice(0, 120) ?? null,
      input.owner ? JSON.stringify(input.owner.reference) : null,
      input.dueAt,
      input.by.id,
      input.by.name.slice(0, 120),
      input.at,
    ],
  );
  return toAction(rows[0]!);
}

/** Changes an open action (what, owner, when): answers it as it is now, or undefined when it was closed meanwhile. */
export async function changeAction(db: Queryable, id: string, change: Pick<NewAction, 'what' | 'ownerAgency' | 'owner' | 'dueAt'>): Promise<HuddleAction | undefined> {
  const rows = await db.query(
    `update huddle_actions set what = $2, owner_agency = $3, owner_user_id = $4, owner_teams_id = $5, owner_name = $6, owner_reference = $7, due_at = $8
      where id = $1 and status = 'open' returning ${ACTION_COLUMNS}`,
    [id, change.what, change.ownerAgency, change.owner?.userId ?? null, change.owner?.teamsId ?? null, change.owner?.name.slice(0, 120) ?? null, change.owner ? JSON.stringify(change.owner.reference) : null, change.dueAt],
  );
  return rows[0] && toAction(rows[0]);
}

/** How many actions a child has from one huddle (the bound on adding more). */
export async function actionCount(db: Queryable, childId: string, listDate: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(`select count(*)::int as n from huddle_actions where child_id = $1 and list_date = $2`, [childId, listDate]);
  return Number(rows[0]?.n ?? 0);
}

export async function findAction(db: Queryable, id: string): Promise<HuddleAction | undefined> {
  const rows = await db.query(`select ${ACTION_COLUMNS} from huddle_actions where id = $1`, [id]);
  return rows[0] && toAction(rows[0]);
}

/** Closes an open action (done, or not possible with its reason); answers it, or undefined when it was closed already. */
export async function closeAction(db: Queryable, id: string, close: { status: Exclude<ActionStatus, 'open'>; reason: string | null; by: { id: string; name: string }; at: Date }): Promise<HuddleAction | undefined> {
  const rows = await db.query(
    `update huddle_actions set status = $2, closed_reason = $3, closed_by = $4, closed_by_name = $5, closed_at = $6 where id = $1 and status = 'open' returning ${ACTION_COLUMNS}`,
    [id, close.status, close.reason, close.by.id, close.by.name.slice(0, 120), close.at],
  );
  return rows[0] && toAction(rows[0]);
}

/**
 * The actions on these children a card shows: every open one, and those closed since `closedSince`
 * (so the day's card still says what was done), soonest due first; at most `limit` per child.
 */
export async function actionsFor(db: Queryable, childIds: string[], closedSince: Date, limit = MAX_ACTIONS_PER_CHILD_DAY): Promise<HuddleAction[]> {
  if (childIds.length === 0) return [];
  const rows = await db.query(
    `select ${ACTION_COLUMNS} from (
       select a.*, row_number() over (partition by child_id order by (status = 'open') desc, due_at, id) as n
         from huddle_actions a where child_id = any($1::uuid[]) and (status = 'open' or closed_at >= $2)
     ) ranked where n <= $3 order by due_at, id`,
    [childIds, closedSince, limit],
  );
  return rows.map(toAction);
}

/** A child's actions, newest first (for history), at most `limit`. */
export async function actionsOfChild(db: Queryable, childId: string, limit: number): Promise<HuddleAction[]> {
  return (await db.query(`select ${ACTION_COLUMNS} from huddle_actions where child_id = $1 order by set_at desc, id limit $2`, [childId, limit])).map(toAction);
}

/** A child's decisions, newest first (for history), at most `limit`. */
export async function decisionsOfChild(db: Queryable, childId: string, limit: number): Promise<Decision[]> {
  return (await db.query(`select ${DECISION_COLUMNS} from huddle_decisions where child_id = $1 order by list_date desc limit $2`, [childId, limit])).map(toDecision);
}

/** What one huddle recorded: its decisions and the actions set in it. */
export async function huddleRecord(db: Queryable, listDate: string): Promise<{ decisions: Decision[]; actions: HuddleAction[] }> {
  const [decisions, actions] = await Promise.all([
    db.query(`select ${DECISION_COLUMNS} from huddle_decisions where list_date = $1 order by set_at, id`, [listDate]),
    db.query(`select ${ACTION_COLUMNS} from huddle_actions where list_date = $1 order by due_at, id`, [listDate]),
  ]);
  return { decisions: decisions.map(toDecision), actions: actions.map(toAction) };
}

/** Decisions on these children from one huddle. */
export async function decisionsOn(db: Queryable, childIds: string[], listDate: string): Promise<Decision[]> {
  if (childIds.length === 0) return [];
  return (await db.query(`select ${DECISION_COLUMNS} from huddle_decisions where child_id = any($1::uuid[]) and list_date = $2`, [childIds, listDate])).map(toDecision);
}

/**
 * What the chaser looks at: open actions due before `until`, not yet raised to the missing team (the
 * last reminder an action gets, claimed under `actionReminderKey` in src/posting/chaser.ts: action,
 * due time in milliseconds, stage), soonest due first, at most `limit`.
 */
export async function openActionsToChase(db: Queryable, until: Date, limit: number): Promise<HuddleAction[]> {
  return (
    await db.query(
      `select ${ACTION_COLUMNS} from huddle_actions a where status = 'open' and due_at < $1
         and not exists (select 1 from reminders r where r.key = 'action:' || a.id || ':' || (extract(epoch from a.due_at) * 1000)::bigint || ':escalated')
       order by due_at, id limit $2`,
      [until, limit],
    )
  ).map(toAction);
}

/**
 * Claims a reminder by its key before it is sent: answers true when this caller is to send it
 * (never sent, or claimed by a sender that died more than `staleMs` ago).
 */
export async function claimReminder(db: Queryable, key: string, instance: string, now: Date, staleMs: number): Promise<boolean> {
  const rows = await db.query(
    `insert into reminders (key, status, claimed_by, claimed_at) values ($1, 'claimed', $2, $3)
     on conflict (key) do update set claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
       where reminders.status = 'claimed' and reminders.claimed_at <= $4
     returning key`,
    [key, instance, now, new Date(now.getTime() - staleMs)],
  );
  return rows.length > 0;
}

export async function reminderSent(db: Queryable, key: string, to: string, now: Date): Promise<void> {
  await db.query(`update reminders set status = 'sent', sent_at = $2, sent_to = $3 where key = $1`, [key, now, to]);
}

/** A send that failed gives its claim back, so the next round tries again. */
export async function releaseReminder(db: Queryable, key: string): Promise<void> {
  await db.query(`delete from reminders where key = $1 and status = 'claimed'`, [key]);
}
