import type { Client } from '@microsoft/microsoft-graph-client';
import { graphLibrary } from './client';
import type { Availability } from '../domain/meetings';

/**
 * The organiser mailbox's calendar through Microsoft Graph (application permissions Calendars.Read
 * for free/busy and Calendars.ReadWrite for events, limited to that mailbox with Exchange RBAC for
 * Applications). Every failure becomes a CalendarUnavailable with a sentence for the card.
 */

export interface NewEvent {
  subject: string;
  body: string;
  start: Date;
  end: Date;
  attendees: string[];
  /** Graph's guard against a retried POST creating a second event. */
  transactionId: string;
}

export interface CalendarService {
  /** Free/busy of each attendee between start and end; null busy when Graph cannot see that calendar. */
  availability(organiser: string, attendees: string[], start: Date, end: Date): Promise<Availability[]>;
  createEvent(organiser: string, event: NewEvent): Promise<{ id: string; joinUrl: string | null }>;
  reschedule(organiser: string, eventId: string, start: Date, end: Date): Promise<void>;
  cancel(organiser: string, eventId: string, comment: string): Promise<void>;
}

/** Graph could not do it; `sentence` says what to fix, for the chair. Nothing was booked or changed. */
export class CalendarUnavailable extends Error {
  constructor(
    readonly sentence: string,
    readonly status: number | undefined,
  ) {
    super(sentence);
    this.name = 'CalendarUnavailable';
  }
}

/** The longest Retry-After waited inside a Teams invoke; a longer one is reported instead of waited for. */
export const MAX_RETRY_AFTER_SECONDS = 5;
const RETRIED = new Set([429, 503, 504]);

/**
 * The client's own retry handler, and only it: twice for 429, 503 and 504, honouring Retry-After when
 * it is short enough for a person waiting on a card.
 */
const retryOptions = () =>
  new (graphLibrary().RetryHandlerOptions)(1, 2, (_delay, _attempt, _request, _options, response) => {
    if (!response || !RETRIED.has(response.status)) return false;
    const after = Number(response.headers.get('retry-after') ?? '1');
    return Number.isFinite(after) && after <= MAX_RETRY_AFTER_SECONDS;
  });

function sentenceFor(status: number | undefined, organiser: string, doing: string): string {
  if (status === 403) return `Microsoft Graph refused to ${doing}: the app registration needs the Calendars.ReadWrite application permission with admin consent, and access to the mailbox ${organiser} (Exchange RBAC for Applications). Nothing was booked.`;
  if (status === 404) return `Microsoft Graph does not know the organiser mailbox ${organiser}: check GRAPH_ORGANISER. Nothing was booked.`;
  if (status === undefined) return `Microsoft Graph did not answer in time, so I could not ${doing}. Try again: a retry never books twice.`;
  if (RETRIED.has(status)) return `Microsoft Graph is busy (${status}) and still was after retrying, so I could not ${doing}. Nothing was booked: try again in a few minutes.`;
  return `Microsoft Graph could not ${doing}${status ? ` (it answered ${status})` : ' (no answer)'}. Nothing was booked: try again, or tell the missing team.`;
}

const utc = (date: Date) => ({ dateTime: date.toISOString().replace(/\.\d{3}Z$/, ''), timeZone: 'UTC' });
const fromGraph = (time: { dateTime?: string }) => new Date(`${(time.dateTime ?? '').replace(/\.\d+$/, '')}Z`);

/** How long one Graph request may take, its retries included, before the card says so (a person is waiting on it). */
export const CALENDAR_TIMEOUT_MS = 10_000;

export class GraphCalendar implements CalendarService {
  constructor(
    private readonly client: Client,
    private readonly timeoutMs = CALENDAR_TIMEOUT_MS,
  ) {}

  private async call<T>(organiser: string, doing: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      // The client reports no answer at all (a timeout, a dropped connection) as status -1.
      const code = (error as { statusCode?: number }).statusCode;
      const status = code !== undefined && code > 0 ? code : undefined;
      throw new CalendarUnavailable(sentenceFor(status, organiser, doing), status);
    }
  }

  private api(path: string) {
    return this.client
      .api(path)
      .middlewareOptions([retryOptions()])
      .header('Prefer', 'outlook.timezone="UTC"')
      .option('signal', AbortSignal.timeout(this.timeoutMs));
  }

  async availability(organiser: string, attendees: string[], start: Date, end: Date): Promise<Availability[]> {
    const answer = await this.call(organiser, 'read the invited people’s free/busy', () =>
      this.api(`/users/${encodeURIComponent(organiser)}/calendar/getSchedule`).post({ schedules: attendees, startTime: utc(start), endTime: utc(end), availabilityViewInterval: 30 }),
    );
    const schedules = Array.isArray(answer?.value) ? (answer.value as { scheduleId?: string; error?: unknown; scheduleItems?: { status?: string; start?: { dateTime?: string }; end?: { dateTime?: string } }[] }[]) : [];
    return attendees.map((attendee) => {
      const schedule = schedules.find((candidate) => candidate.scheduleId?.toLowerCase() === attendee.toLowerCase());
      // Not answered, or answered with an error (another organisation's tenant): unknown, not free.
      if (!schedule || schedule.error || !Array.isArray(schedule.scheduleItems)) return { attendee, busy: null };
      return {
        attendee,
        busy: schedule.scheduleItems.filter((item) => item.status !== 'free' && item.start && item.end).map((item) => ({ start: fromGraph(item.start!), end: fromGraph(item.end!) })),
      };
    });
  }

  async createEvent(organiser: string, event: NewEvent): Promise<{ id: string; joinUrl: string | null }> {
    const created = await this.call(organiser, 'create the meeting', () =>
      this.api(`/users/${encodeURIComponent(organiser)}/events`).post({
        subject: event.subject,
        body: { contentType: 'text', content: event.body },
        start: utc(event.start),
        end: utc(event.end),
        attendees: event.attendees.map((address) => ({ emailAddress: { address }, type: 'required' })),
        isOnlineMeeting: true,
        onlineMeetingProvider: 'teamsForBusiness',
        sensitivity: 'private',
        allowNewTimeProposals: false,
        transactionId: event.transactionId,
      }),
    );
    if (typeof created?.id !== 'string') throw new CalendarUnavailable(sentenceFor(502, organiser, 'create the meeting'), 502);
    return { id: created.id, joinUrl: typeof created.onlineMeeting?.joinUrl === 'string' ? created.onlineMeeting.joinUrl : null };
  }

  async reschedule(organiser: string, eventId: string, start: Date, end: Date): Promise<void> {
    await this.call(organiser, 'move the meeting', () => this.api(`/users/${encodeURIComponent(organiser)}/events/${encodeURIComponent(eventId)}`).patch({ start: utc(start), end: utc(end) }));
  }

  async cancel(organiser: string, eventId: string, comment: string): Promise<void> {
    await this.call(organiser, 'cancel the meeting', () => this.api(`/users/${encodeURIComponent(organiser)}/events/${encodeURIComponent(eventId)}/cancel`).post({ comment }));
  }
}
