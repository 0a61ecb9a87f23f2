import { newId } from './ids';
import type { AgencyCode } from '../domain/types';
import type { Queryable } from './db';

/** What agencies add about a child from the card: tagged with agency, person and time, kept for good. */

export const NOTE_CATEGORIES = ['seen', 'attended', 'location', 'associates', 'school', 'health', 'police', 'other'] as const;
export type NoteCategory = (typeof NOTE_CATEGORIES)[number];

/** How a category reads on a card and in a form. "Seen" and "attended" are what schools and health record they own. */
export const NOTE_CATEGORY_LABELS: Record<NoteCategory, string> = {
  seen: 'Seen (the child was seen)',
  attended: 'Attended (school, appointment)',
  location: 'Possible location',
  associates: 'Associates',
  school: 'School',
  health: 'Health',
  police: 'Police',
  other: 'Other',
};

/** A category in a line of text, without the label's explanation: "Seen". */
export const noteCategoryWord = (category: NoteCategory) => NOTE_CATEGORY_LABELS[category].split(' (')[0]!;

export interface AgencyNote {
  id: string;
  childId: string;
  agency: AgencyCode;
  agencyName: string;
  authorId: string;
  authorName: string;
  category: NoteCategory;
  body: string;
  restricted: boolean;
  createdAt: Date;
}

export interface NoteInput {
  childId: string;
  agency: AgencyCode;
  authorId: string;
  authorName: string;
  category: NoteCategory;
  body: string;
  restricted: boolean;
  at: Date;
}

export async function addNote(db: Queryable, note: NoteInput): Promise<string> {
  const id = newId();
  await db.query(
    `insert into agency_notes (id, child_id, agency_code, author_id, author_name, category, body, restricted, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, note.childId, note.agency, note.authorId, note.authorName, note.category, note.body, note.restricted, note.at],
  );
  return id;
}

const toNote = (row: Record<string, unknown>): AgencyNote => ({
  id: row.id as string,
  childId: row.child_id as string,
  agency: row.agency_code as AgencyCode,
  agencyName: row.name as string,
  authorId: row.author_id as string,
  authorName: row.author_name as string,
  category: row.category as NoteCategory,
  body: row.body as string,
  restricted: row.restricted as boolean,
  createdAt: new Date(row.created_at as Date),
});

/** Notes on these children, newest first; restricted ones only when the viewer is the missing team. */
export async function notesFor(db: Queryable, childIds: string[], includeRestricted: boolean): Promise<AgencyNote[]> {
  if (childIds.length === 0) return [];
  const rows = await db.query(
    `select n.*, a.name from agency_notes n join agencies a on a.code = n.agency_code
      where n.child_id = any($1::uuid[]) and ($2 or not n.restricted) order by n.created_at desc, n.id`,
    [childIds, includeRestricted],
  );
  return rows.map(toNote);
}
