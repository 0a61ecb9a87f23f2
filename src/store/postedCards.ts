import { newId } from './ids';
import type { ConversationRef } from './conversationRef';
import type { Channel, DisplayLevel } from './channels';
import { prepared, type Queryable } from './db';
import { AUDIT_COLUMNS, auditRow, type AuditEntry } from './repositories';

/** Every card the bot posted (so later changes can update each copy) and the daily post's claim. */

export type CardKind = 'daily_list' | 'overdue' | 'monthly_report' | 'high_risk' | 'minutes';
/** The kinds that are a day's list: refreshed when the list changes, counted by `status`. */
export const LIST_KINDS: readonly CardKind[] = ['daily_list', 'overdue'];
/** What a scheduled post is: one per channel and period (`listDate`). */
export type ScheduledKind = Extract<CardKind, 'daily_list' | 'monthly_report' | 'high_risk' | 'minutes'>;

export interface PostedCard {
  id: string;
  kind: CardKind;
  listDate: string;
  channelId: string | null;
  scheduled: boolean;
  conversationId: string;
  reference: ConversationRef;
  displayLevel: DisplayLevel;
  status: 'claimed' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  activityId: string | null;
  /** A channel's card, or one posted into a person's personal chat (for that person only). */
  place: 'channel' | 'personal';
  forUserId: string | null;
  /** A send began at this time and was never confirmed (the sender died, or it timed out): it may have landed. */
  sendStartedAt: Date | null;
  /** Sent again without being able to confirm the first: the channel may show two cards. */
  possibleDuplicate: boolean;
  /** The page last turned to in this conversation: a refresh of every copy keeps it there. */
  page: number;
}

const COLUMNS = `id, kind, to_char(list_date, 'YYYY-MM-DD') as list_date, channel_id, scheduled, conversation_id, conversation_reference,
  display_level, status, attempts, last_error, activity_id, place, for_user_id, send_started_at, possible_duplicate, page`;

const toPostedCard = (row: Record<string, unknown>): PostedCard => ({
  id: row.id as string,
  kind: row.kind as CardKind,
  listDate: row.list_date as string,
  channelId: (row.channel_id as string | null) ?? null,
  scheduled: row.scheduled as boolean,
  conversationId: row.conversation_id as string,
  reference: row.conversation_reference as ConversationRef,
  displayLevel: row.display_level as DisplayLevel,
  status: row.status as PostedCard['status'],
  attempts: row.attempts as number,
  lastError: (row.last_error as string | null) ?? null,
  activityId: (row.activity_id as string | null) ?? null,
  place: row.place as PostedCard['place'],
  forUserId: (row.for_user_id as string | null) ?? null,
  sendStartedAt: row.send_started_at ? new Date(row.send_started_at as Date) : null,
  possibleDuplicate: (row.possible_duplicate as boolean | null) ?? false,
  page: (row.page as number | null) ?? 0,
});

export interface ClaimPolicy {
  instance: string;
  now: Date;
  /** A claim older than this, still unsent, belonged to an instance that died: take it over. */
  staleAfterMs: number;
  /** Wait this long after a failed attempt before the next. */
  retryAfterMs: number;
  maxAttempts: number;
}

/**
 * Claims a scheduled post (the daily list, the month's figures, the week's high-risk list) for one
 * channel and period, in the database, before anything is sent: answers the claimed row, or
 * undefined when it is sent already or another instance holds it.
 */
export async function claimScheduledPost(db: Queryable, channel: Channel, kind: ScheduledKind, listDate: string, policy: ClaimPolicy): Promise<PostedCard | undefined> {
  const rows = await db.query(
    `insert into posted_cards (id, kind, list_date, channel_id, scheduled, conversation_id, conversation_reference, display_level, status, claimed_by, claimed_at)
     values ($1, $12, $2, $3, true, $4, $5, $6, 'claimed', $7, $8)
     on conflict (channel_id, kind, list_date) where scheduled do update set
       status = 'claimed', claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at,
       conversation_reference = excluded.conversation_reference, display_level = excluded.display_level
     where (posted_cards.status = 'failed' and posted_cards.claimed_at <= $9 and posted_cards.attempts < $11)
        or (posted_cards.status = 'claimed' and posted_cards.claimed_at <= $10)
     returning ${COLUMNS}`,
    [
      newId(),
      listDate,
      channel.id,
      channel.conversationId,
      JSON.stringify(channel.reference),
      channel.displayLevel,
      policy.instance,
      policy.now,
      new Date(policy.now.getTime() - policy.retryAfterMs),
      new Date(policy.now.getTime() - policy.staleAfterMs),
      policy.maxAttempts,
      kind,
    ],
  );
  return rows[0] && toPostedCard(rows[0]);
}

/** Recorded before each send: if the sender dies before markSent, the next claim knows the post may have landed. */
export async function markSending(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(`update posted_cards set send_started_at = $2 where id = $1`, [id, now]);
}

export async function markSent(db: Queryable, id: string, activityId: string | undefined, now: Date, options: { possibleDuplicate?: boolean } = {}): Promise<void> {
  await db.query(
    `update posted_cards set status = 'sent', activity_id = $2, sent_at = $3, attempts = attempts + 1, last_error = null, send_started_at = null,
       possible_duplicate = possible_duplicate or $4 where id = $1`,
    [id, activityId ?? null, now, options.possibleDuplicate ?? false],
  );
}

/** Today's posts that were sent again without confirming the first: `status` says those channels may show two cards. */
export async function possibleDuplicates(db: Queryable, listDate: string): Promise<PostedCard[]> {
  return (await db.query(`select ${COLUMNS} from posted_cards where scheduled and possible_duplicate and list_date = $1 and kind = any($2::text[])`, [listDate, LIST_KINDS])).map(toPostedCard);
}

export async function markFailed(db: Queryable, id: string, error: string, now: Date): Promise<void> {
  await db.query(`update posted_cards set status = 'failed', attempts = attempts + 1, last_error = $2, claimed_at = $3 where id = $1`, [id, error.slice(0, 500), now]);
}

/**
 * Records a card posted on demand (`list`, `overdue`) as the one copy of its kind and day in its
 * conversation (and, in personal chat, for its person): earlier ones are no longer refreshed, so a
 * change re-renders one copy per conversation however often the list was asked for. Answers the
 * copies it replaces, for the caller to mark as out of date.
 */
export async function recordOnDemandPost(
  db: Queryable,
  post: {
    kind: CardKind;
    listDate: string;
    conversationId: string;
    reference: ConversationRef;
    displayLevel: DisplayLevel;
    activityId: string | undefined;
    instance: string;
    now: Date;
    place: PostedCard['place'];
    forUserId: string | null;
  },
): Promise<PostedCard[]> {
  const replaced = (
    await db.query(
      `delete from posted_cards where not scheduled and conversation_id = $1 and kind = $2 and list_date = $3 and place = $4 and for_user_id is not distinct from $5
       returning ${COLUMNS}`,
      [post.conversationId, post.kind, post.listDate, post.place, post.forUserId],
    )
  ).map(toPostedCard);
  await db.query(
    `insert into posted_cards (id, kind, list_date, scheduled, conversation_id, conversation_reference, display_level, status, claimed_by, claimed_at, attempts, activity_id, sent_at, place, for_user_id)
     values ($1, $2, $3, false, $4, $5, $6, 'sent', $7, $8, 1, $9, $8, $10, $11)`,
    [newId(), post.kind, post.listDate, post.conversationId, JSON.stringify(post.reference), post.displayLevel, post.instance, post.now, post.activityId ?? null, post.place, post.forUserId],
  );
  return replaced;
}

const WAS_POSTED = prepared('posted_cards.was_posted', `select 1 from posted_cards where conversation_id = $1 and list_date = $2 and kind = $3 and status = 'sent' limit 1`);

/** Whether this conversation was posted a card of that kind for that day: card actions name one, and nothing else is answered. */
export async function wasPosted(db: Queryable, conversationId: string, listDate: string, kind: CardKind): Promise<boolean> {
  const rows = await db.query(WAS_POSTED, [conversationId, listDate, kind]);
  return rows.length > 0;
}

/**
 * A page turned on a card: whether the card was posted into this conversation (as `wasPosted`),
 * and if so the page its copies here were turned to remembered and `disclosed` (the audit entry
 * saying who was shown it) written; one statement for all three, the tap's only one.
 */
export async function turnPage(db: Queryable, conversationId: string, listDate: string, kind: CardKind, page: number, disclosed?: AuditEntry): Promise<boolean> {
  const rows = await db.query<{ posted: boolean }>(disclosed ? TURN_PAGE_AUDITED : TURN_PAGE, [conversationId, listDate, kind, page, ...(disclosed ? auditRow(disclosed) : [])]);
  return rows[0]?.posted === true;
}

const turnPageText = (audit: string) =>
  `with posted as (select exists (select 1 from posted_cards where conversation_id = $1 and list_date = $2 and kind = $3 and status = 'sent') as posted),
        turned as (update posted_cards set page = $4 where conversation_id = $1 and list_date = $2 and kind = $3 and page <> $4 and (select posted from posted) returning 1)${audit}
   select posted from posted`;
const TURN_PAGE = prepared('posted_cards.turn_page', turnPageText(''));
/** Exported for bench:statements (the same text, not prepared, beside it). */
export const TURN_PAGE_AUDITED = prepared(
  'posted_cards.turn_page_audited',
  turnPageText(`, audited as (insert into audit_log (${Object.keys(AUDIT_COLUMNS).join(', ')})
                   select $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb where (select posted from posted))`),
);

/** A page turn, as `turnPage` takes it. */
export interface PageTurn {
  conversationId: string;
  listDate: string;
  kind: CardKind;
  page: number;
  disclosed?: AuditEntry;
}

/**
 * Several page turns in one statement, each answered as `turnPage` answers it: whether its card
 * was posted in its conversation; where it was, the page remembered (the last turn's, when several
 * name the same card) and its disclosure audited, in the order given. Nothing for a turn whose card
 * was not posted there.
 */
export async function turnPages(db: Queryable, turns: readonly PageTurn[]): Promise<boolean[]> {
  if (turns.length === 1) {
    const [only] = turns as [PageTurn];
    return [await turnPage(db, only.conversationId, only.listDate, only.kind, only.page, only.disclosed)];
  }
  // Each disclosure as `auditRow` makes it, its details already JSON text (cast back in the statement).
  const rows = turns.map((turn, index) => ({
    i: index,
    conversation_id: turn.conversationId,
    list_date: turn.listDate,
    kind: turn.kind,
    page: turn.page,
    ...(turn.disclosed ? Object.fromEntries(auditRow(turn.disclosed).map((value, column) => [`a_${AUDIT_NAMES[column]}`, value])) : {}),
  }));
  const answers = await db.query<{ i: number; posted: boolean }>(TURN_PAGES, [JSON.stringify(rows)]);
  const posted = new Map(answers.map((row) => [Number(row.i), row.posted === true]));
  return turns.map((_, index) => posted.get(index) === true);
}

const AUDIT_NAMES = Object.keys(AUDIT_COLUMNS);
const TURN_PAGES = prepared(
  'posted_cards.turn_pages',
  `with taps as (select * from jsonb_to_recordset($1::jsonb) as t(i int, conversation_id text, list_date date, kind text, page int,
                   ${AUDIT_NAMES.map((name) => `a_${name} text`).join(', ')})),
        posted as (select t.i, exists (select 1 from posted_cards p where p.conversation_id = t.conversation_id and p.list_date = t.list_date and p.kind = t.kind and p.status = 'sent') as posted from taps t),
        last as (select distinct on (t.conversation_id, t.list_date, t.kind) t.conversation_id, t.list_date, t.kind, t.page
                   from taps t join posted using (i) where posted.posted order by t.conversation_id, t.list_date, t.kind, t.i desc),
        turned as (update posted_cards p set page = l.page from last l
                    where p.conversation_id = l.conversation_id and p.list_date = l.list_date and p.kind = l.kind and p.page <> l.page returning 1),
        audited as (insert into audit_log (${AUDIT_NAMES.join(', ')})
                    select ${AUDIT_NAMES.map((name) => `t.a_${name}::${AUDIT_COLUMNS[name]}`).join(', ')} from taps t join posted using (i)
                     where posted.posted and t.a_action is not null order by t.i)
   select i, posted from posted`,
);

/** Page turns waiting for a statement, at most this many in one. */
export const PAGE_TURNS_PER_STATEMENT = 100;

/**
 * Page turns asked at the same moment, answered together: the taps that reach here in one turn of
 * the event loop (and those that arrive while a statement is under way) go to the database as one
 * statement (`turnPages`), each tap answered when it has committed, as its own statement would be.
 * Under load a page tap's statement was most of what the database did for it: at 10 clients about
 * nine taps on PGlite, and four or five on PostgreSQL, arrived together. One statement at a time per
 * database; a failed statement fails the taps it carried, and the next ones are tried afresh.
 */
class PageTurnQueue {
  private waiting: { turn: PageTurn; answer(posted: boolean): void; fail(error: unknown): void }[] = [];
  private busy = false;

  constructor(private readonly db: Queryable) {}

  turn(turn: PageTurn): Promise<boolean> {
    return new Promise<boolean>((answer, fail) => {
      this.waiting.push({ turn, answer, fail });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, PAGE_TURNS_PER_STATEMENT);
      try {
        const answers = await turnPages(this.db, batch.map((item) => item.turn));
        batch.forEach((item, index) => item.answer(answers[index]!));
      } catch (error) {
        for (const item of batch) item.fail(error);
      }
    }
    this.busy = false;
  }
}

const queues = new WeakMap<Queryable, PageTurnQueue>();

/** A page turn (`turnPage`) sent with those asked at the same moment on the same database. */
export function turnPageWithOthers(db: Queryable, turn: PageTurn): Promise<boolean> {
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = new PageTurnQueue(db)));
  return queue.turn(turn);
}

/** The posted copies of a day's list (`kinds`: the list's by default). */
export async function postedCardsOn(db: Queryable, listDate: string, kinds: readonly CardKind[] = LIST_KINDS): Promise<PostedCard[]> {
  return (await db.query(`select ${COLUMNS} from posted_cards where list_date = $1 and kind = any($2::text[]) order by claimed_at`, [listDate, kinds])).map(toPostedCard);
}

/** Scheduled posts not (yet) delivered, most recent day first: what `status` must show. */
export async function undeliveredPosts(db: Queryable, sinceDate: string): Promise<PostedCard[]> {
  return (await db.query(`select ${COLUMNS} from posted_cards where scheduled and status <> 'sent' and list_date >= $1 and kind = any($2::text[]) order by list_date desc`, [sinceDate, LIST_KINDS])).map(toPostedCard);
}

const BUMP_LIST_VERSION = prepared('list_versions.bump', `insert into list_versions (list_date, version) values ($1, 1) on conflict (list_date) do update set version = list_versions.version + 1`);
const LIST_VERSION = prepared('list_versions.read', `select version from list_versions where list_date = $1`);

/** Moves the day's version on (a change that shows on its card was committed). */
export async function bumpListVersion(db: Queryable, listDate: string): Promise<void> {
  await db.query(BUMP_LIST_VERSION, [listDate]);
}

export async function listVersion(db: Queryable, listDate: string): Promise<number> {
  const rows = await db.query<{ version: string | number }>(LIST_VERSION, [listDate]);
  return Number(rows[0]?.version ?? 0);
}
