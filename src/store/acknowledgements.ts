import { newId } from './ids';
import type { AgencyCode } from '../domain/types';
import { prepared, type Queryable } from './db';

/**
 * Acknowledgements of a day's list, for the whole list (child null) or one child, one row per agency
 * with what it has seen: the keys of the children its card showed (src/domain/dailyList.ts childKey).
 * Acknowledging again adds what is new and moves the time; the audit log keeps each.
 */

export interface Acknowledgement {
  agency: AgencyCode;
  agencyName: string;
  childId: string | null;
  userName: string;
  at: Date;
  seen: string[];
}

export interface AcknowledgementInput {
  listDate: string;
  agency: AgencyCode;
  childId: string | null;
  userId: string;
  userName: string;
  conversationId: string;
  at: Date;
  /** The children the card showed, by key. */
  seen: string[];
}

/**
 * Records the acknowledgement unless the agency had already seen all of it; answers whether it
 * changed anything. `bumpVersion`: when it did, the day's list version moves on in the same
 * statement (the acknowledgement shows on every copy's card), so no replica keeps the card drawn
 * before it; one statement, with no transaction around it.
 */
export async function acknowledge(db: Queryable, input: AcknowledgementInput, options: { bumpVersion?: boolean } = {}): Promise<boolean> {
  const rows = await db.query(options.bumpVersion ? ACKNOWLEDGE_AND_BUMP : ACKNOWLEDGE, [
    newId(),
    input.listDate,
    input.agency,
    input.childId,
    input.userId,
    input.userName,
    input.conversationId,
    input.at,
    [...new Set(input.seen)].sort(),
  ]);
  return rows.length > 0;
}

// Something new among what this card showed: a set difference (hashed) rather than `not (new <@
// old)`, which compares every pair (300 keys against 300: 1.5 ms against 0.6 ms on PGlite).
const acknowledgeText = (bump: string) =>
  `with acked as (
     insert into acknowledgements (id, list_date, agency_code, child_id, user_id, user_name, conversation_id, acknowledged_at, seen)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (list_date, agency_code, coalesce(child_id, '00000000-0000-0000-0000-000000000000'::uuid)) do update
       set seen = array(select distinct key from unnest(acknowledgements.seen || excluded.seen) as key order by key),
           user_id = excluded.user_id, user_name = excluded.user_name, conversation_id = excluded.conversation_id, acknowledged_at = excluded.acknowledged_at
       where exists (select unnest(excluded.seen) except select unnest(acknowledgements.seen))
     returning id)${bump}
   select id from acked`;
const ACKNOWLEDGE = prepared('acknowledgements.acknowledge', acknowledgeText(''));
const ACKNOWLEDGE_AND_BUMP = prepared(
  'acknowledgements.acknowledge_and_bump',
  acknowledgeText(`, bumped as (insert into list_versions (list_date, version) select $2, 1 where exists (select 1 from acked)
                  on conflict (list_date) do update set version = list_versions.version + 1)`),
);

/** Whether `agency` has already acknowledged every one of `seen` (for the whole list: `childId` null) among `recorded`. */
export function alreadySeen(recorded: readonly Acknowledgement[], agency: AgencyCode, childId: string | null, seen: readonly string[]): boolean {
  const row = recorded.find((entry) => entry.agency === agency && entry.childId === childId);
  if (!row) return false;
  let kept = seenBy.get(row);
  if (!kept) seenBy.set(row, (kept = { keys: new Set(row.seen), covered: [] }));
  // Colleagues send the same card's keys in the card's order: a list once found covered is known
  // again by comparing it key by key in order (equal strings), without hashing 300 keys just
  // parsed from the request (about 30 µs against 3).
  if (kept.covered.some((list) => sameKeys(list, seen))) return true;
  const { keys } = kept;
  if (!seen.every((key) => keys.has(key))) return false;
  kept.covered.unshift([...seen]);
  kept.covered.length = Math.min(kept.covered.length, COVERED_LISTS);
  return true;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** At most this many lists found covered are kept per acknowledgement (the day's pages and cards). */
const COVERED_LISTS = 8;

/**
 * An acknowledgement's keys as a set, made once per acknowledgement read (the day's kept ones are
 * asked at every tap), and the last lists of keys found covered by it.
 */
const seenBy = new WeakMap<Acknowledgement, { keys: ReadonlySet<string>; covered: (readonly string[])[] }>();

export async function acknowledgementsOn(db: Queryable, listDate: string): Promise<Acknowledgement[]> {
  const rows = await db.query<{ agency_code: AgencyCode; name: string; child_id: string | null; user_name: string; acknowledged_at: Date; seen: string[] }>(
    `select k.agency_code, a.name, k.child_id, k.user_name, k.acknowledged_at, k.seen from acknowledgements k join agencies a on a.code = k.agency_code
      where k.list_date = $1 order by k.acknowledged_at, a.name`,
    [listDate],
  );
  return rows.map((row) => ({ agency: row.agency_code, agencyName: row.name, childId: row.child_id, userName: row.user_name, at: new Date(row.acknowledged_at), seen: row.seen ?? [] }));
}
