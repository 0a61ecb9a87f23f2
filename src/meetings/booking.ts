import { createHash } from 'node:crypto';
import type * as Ics from 'ics';
import { DomainError } from '../domain/errors';
import { MEETING_KIND_LABELS, type MeetingKind } from '../domain/meetings';
import { CalendarUnavailable, type CalendarService } from '../graph/calendar';
import type { Database } from '../store/db';
import { findMeetingByTransaction, insertMeeting, type Meeting } from '../store/meetings';
import type { InviteLinks } from './links';

/**
 * Booking a meeting for a child: with a calendar (Graph, the organiser mailbox) the event is created
 * first, then recorded; a record that cannot be stored cancels the event, so nothing is half-booked.
 * The same child, trigger and time always make the same transaction id: a retried request finds the
 * meeting (and Graph the event) it already made.
 */

export interface MeetingSettings {
  /** The organiser mailbox (GRAPH_ORGANISER); null without Graph. */
  organiser: string | null;
  calendar: CalendarService | null;
  /** MEETING_CONTACTS: who each agency invites. */
  contacts: Record<string, string[]>;
  dayStart: string;
  dayEnd: string;
  windowDays: number;
  links: InviteLinks;
}

export interface BookingRequest {
  childId: string;
  childRef: string;
  trigger: string;
  /** Every trigger due now: the meeting answers them all. */
  answers: string[];
  kind: MeetingKind;
  reason: string;
  start: Date;
  end: Date;
  attendees: string[];
  bookedBy: string;
  bookedByName: string;
}

export const transactionIdFor = (childId: string, trigger: string, start: Date) => createHash('sha256').update(`${childId}|${trigger}|${start.toISOString()}`).digest('hex').slice(0, 32);

/** What the invitation says: the case reference and the meeting, never the child's name. */
export const subjectFor = (kind: MeetingKind, childRef: string) => `${MEETING_KIND_LABELS[kind]}: ${childRef}`;
export const bodyFor = (request: Pick<BookingRequest, 'kind' | 'childRef' | 'reason' | 'bookedByName'>) =>
  `Multi-agency ${MEETING_KIND_LABELS[request.kind].toLowerCase()} for case ${request.childRef} (${request.reason}). Booked from Missing Huddle by ${request.bookedByName}. Please do not add the child's name to this invitation.`;

export async function bookMeeting(db: Database, settings: MeetingSettings, request: BookingRequest): Promise<{ meeting: Meeting; created: boolean }> {
  const transactionId = transactionIdFor(request.childId, request.trigger, request.start);
  const again = await findMeetingByTransaction(db, transactionId);
  if (again) return { meeting: again, created: false };
  let event: { id: string; joinUrl: string | null } | null = null;
  if (settings.calendar && settings.organiser) {
    event = await settings.calendar.createEvent(settings.organiser, {
      subject: subjectFor(request.kind, request.childRef),
      body: bodyFor(request),
      start: request.start,
      end: request.end,
      attendees: request.attendees,
      transactionId,
    });
  }
  try {
    const meeting = await db.transaction((tx) =>
      insertMeeting(tx, {
        childId: request.childId,
        kind: request.kind,
        trigger: request.trigger,
        answers: request.answers,
        startsAt: request.start,
        endsAt: request.end,
        organiser: settings.organiser ?? 'not connected',
        attendees: request.attendees,
        bookedBy: request.bookedBy,
        bookedByName: request.bookedByName,
        transactionId,
        graphEventId: event?.id ?? null,
        joinUrl: event?.joinUrl ?? null,
        invitationSent: event !== null,
      }),
    );
    return { meeting, created: true };
  } catch (error) {
    // Not stored (a meeting for this trigger was booked at the same moment): take the event back.
    if (event && settings.calendar && settings.organiser) await settings.calendar.cancel(settings.organiser, event.id, 'Booked twice at the same moment; this copy is withdrawn.').catch(() => undefined);
    if (error instanceof DomainError && error.code === 'conflict') throw new DomainError('conflict', 'A meeting for this was booked at the same moment by someone else: refresh the card to see it.', [{ path: 'slot', message: 'A meeting for this was booked at the same moment by someone else: refresh the card to see it.' }]);
    throw error;
  }
}

/** The iCalendar library, loaded for the first invitation file rather than at every start (21 files, about 35 ms). */
let ics: typeof Ics | undefined;

/** The invitation as an iCalendar file, for when no calendar is connected. */
export function inviteFile(meeting: Meeting, childRef: string): string {
  ics ??= require('ics') as typeof Ics;
  const made = ics.createEvent({
    uid: `${meeting.id}@missing-huddle`,
    title: subjectFor(meeting.kind, childRef),
    description: `Multi-agency ${MEETING_KIND_LABELS[meeting.kind].toLowerCase()} for case ${childRef}. Please do not add the child's name to this invitation.`,
    start: meeting.startsAt.getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: meeting.endsAt.getTime(),
    endInputType: 'utc',
    endOutputType: 'utc',
    classification: 'PRIVATE',
    attendees: meeting.attendees.map((email) => ({ email, rsvp: true, name: email })),
  });
  if (made.error || !made.value) throw new Error(`could not make the invitation: ${made.error?.message ?? 'no value'}`);
  return made.value;
}

export { CalendarUnavailable };
