import { z, type ZodType } from 'zod';
import { renderForm, TIME_PATTERN, type FormField } from '../cards/forms';
import { renderCard, type CardJson } from '../cards/render';
import { formatLocal } from '../domain/calendar';
import { nextRhiSteps, RHI_PROVIDER_LABELS, RHI_STEP_LABELS, RHI_STEPS, type RhiStep } from '../domain/rhi';
import { EPISODE_KIND_LABELS, EPISODE_KINDS, EXPLOITATION_CONCERNS, EXPLOITATION_LABELS, RHI_PROVIDERS, RISK_GRADE_LABELS, RISK_GRADES, type Child, type Episode, type ExploitationConcern, type ReturnInterview, type RiskGrade } from '../domain/types';
import { NOTE_CATEGORIES, NOTE_CATEGORY_LABELS } from '../store/notes';
import { EVENT_EARLIEST_YEAR, MAX_AGE_YEARS } from '../domain/plausible';
import { MEETING_KIND_LABELS, MEETING_KINDS, type MeetingKind } from '../domain/meetings';
import { shiftDate } from '../domain/calendar';
import { ACTION_OWNERS } from '../domain/actions';
import { AGENCY_NAMES } from '../domain/types';

/** At most this many people are invited to a meeting from the card. */
export const MAX_ATTENDEES = 20;
const ATTENDEES_MESSAGE = `Give the invited people's email addresses, one per line or separated by commas (at most ${MAX_ATTENDEES}).`;
/** Email addresses typed one per line or separated by commas or semicolons, each checked, without repeats. */
const attendeeList = z
  .string()
  .max(4000, ATTENDEES_MESSAGE)
  .transform((value, ctx) => {
    const emails = [...new Set(value.split(/[\s,;]+/).filter(Boolean).map((email) => email.toLowerCase()))];
    const bad = emails.find((email) => !z.email().safeParse(email).success);
    if (bad) ctx.addIssue({ code: 'custom', message: `“${bad.slice(0, 60)}” is not an email address: ${ATTENDEES_MESSAGE.charAt(0).toLowerCase()}${ATTENDEES_MESSAGE.slice(1)}` });
    if (emails.length === 0 || emails.length > MAX_ATTENDEES) ctx.addIssue({ code: 'custom', message: ATTENDEES_MESSAGE });
    return emails;
  });
const DURATIONS = ['30', '45', '60', '90'];
const meetingFields = (subject: FormSubject): FormField[] => [
  { id: 'meetingKind', kind: 'choice', label: 'Meeting', required: true, errorMessage: 'Choose the kind of meeting.', choices: MEETING_KINDS.map((kind) => ({ title: MEETING_KIND_LABELS[kind], value: kind })) },
  { id: 'attendees', kind: 'multiline', label: 'Invite (email addresses, one per line)', required: true, maxLength: 4000, errorMessage: ATTENDEES_MESSAGE },
  { id: 'duration', kind: 'choice', label: 'Length', required: true, errorMessage: 'Choose how long.', choices: DURATIONS.map((minutes) => ({ title: `${minutes} minutes`, value: minutes })) },
  { id: 'fromDate', kind: 'date', label: 'Look from', required: true, min: subject.today, max: shiftDate(subject.today, 30), errorMessage: 'Give a date from today to 30 days ahead.' },
];
const meetingSchema = {
  meetingKind: z.enum(MEETING_KINDS, 'Choose the kind of meeting.'),
  attendees: attendeeList,
  duration: z.enum(DURATIONS, 'Choose how long.').transform(Number),
  fromDate: z.iso.date('Give a date from today to 30 days ahead.'),
};
const meetingInitial = (subject: FormSubject) => ({ meetingKind: subject.meeting?.kind ?? 'strategy', attendees: (subject.meeting?.contacts ?? []).join('\n'), duration: '60', fromDate: subject.today });

/** A case reference as the API takes it. */
export const CASE_REF_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$';
const CASE_REF_MESSAGE = 'Give the case reference: letters, digits and . _ / - only, up to 64 characters.';

/**
 * The forms on a child's card: what each asks, what the client checks, how its strings become the
 * use case's input, and which field a domain refusal belongs beside.
 */

export const FORM_NAMES = ['return', 'correct', 'safe', 'update', 'rhi', 'told', 'note', 'meeting', 'meetingSlot', 'cancelMeeting', 'decision', 'action', 'changeAction', 'closeAction'] as const;
export type FormName = (typeof FORM_NAMES)[number];

/** What a form is drawn from: the child, the episode the card is about, and today in local time. */
export interface FormSubject {
  child: Child;
  episode: Episode | undefined;
  rhi: ReturnInterview | undefined;
  today: string;
  timeZone: string;
  /** For the meeting forms: what is due or booked, who is invited by default, and the free times found. */
  meeting?: {
    kind: MeetingKind;
    contacts: string[];
    slots: { title: string; value: string }[];
    unknown: string[];
    calendar: boolean;
    bookedAt?: string;
  };
  /** For the huddle's forms: the team's people an action can be given to, the default due time, the decision so far, the action being closed. */
  huddle?: {
    roster: { title: string; value: string }[];
    due: { date: string; time: string };
    decision?: string;
    closing?: { what: string; owner: string };
    /** The action being changed, as its form starts. */
    changing?: { actionWhat: string; actionOwner: string; actionPerson: string; actionDueDate: string; actionDueTime: string };
  };
}

export interface ChildForm<T> {
  title: string;
  help?(subject: FormSubject): string;
  submit: { title: string; verb: string };
  fields(subject: FormSubject): FormField[];
  initial(subject: FormSubject): Record<string, string>;
  /** Parses the form's strings; its messages are the sentences shown beside the fields. */
  schema: ZodType<T, Record<string, string>>;
  /** The field a domain refusal's path belongs beside; anything else shows above the form. */
  fieldOf: Record<string, string>;
}

const form = <T,>(definition: ChildForm<T>): ChildForm<T> => definition;

const localDateOf = (time: Date, timeZone: string) => formatLocal(time, timeZone, 'yyyy-MM-dd');
const localTimeOf = (time: Date, timeZone: string) => formatLocal(time, timeZone, 'HH:mm');

const GIVE_DATE = 'Give the date.';
const GIVE_TIME = 'Give the time as HH:MM, e.g. 09:05.';
const date = z.iso.date(GIVE_DATE);
const time = z.string().regex(new RegExp(TIME_PATTERN), GIVE_TIME);
const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .transform((value) => value || undefined);

/** A multi-select of exploitation concerns, as Teams sends it: values joined by commas. */
const concernList = z
  .string()
  .max(200)
  .transform((value) => value.split(',').filter(Boolean))
  .pipe(z.array(z.enum(EXPLOITATION_CONCERNS, 'Choose from the concerns listed.')));
/** A police risk grade, or none chosen. */
const gradeChoice = z.union([z.enum(RISK_GRADES), z.literal('')], 'Choose one of the grades.');

const dateField = (id: string, label: string, subject: FormSubject, min?: string): FormField => ({
  id,
  kind: 'date',
  label,
  required: true,
  errorMessage: `Give a date up to today${min ? ` and not before ${min.split('-').reverse().join('/')}` : ''}.`,
  min: min ?? `${EVENT_EARLIEST_YEAR}-01-01`,
  max: subject.today,
});
const timeField = (id: string, label: string): FormField => ({ id, kind: 'time', label, required: true, errorMessage: GIVE_TIME });

const SAFE_AND_WELL_CHOICES = [
  { title: 'Done', value: 'done' },
  { title: 'Not done', value: 'not_done' },
];

const returnFields = (title: string) => (subject: FormSubject): FormField[] => [
  dateField('returnedDate', `${title}: date`, subject, subject.episode ? localDateOf(subject.episode.reportedAt, subject.timeZone) : undefined),
  timeField('returnedTime', `${title}: time (UK time)`),
  { id: 'safeAndWellCheck', kind: 'choice', label: 'Police safe and well check', choices: SAFE_AND_WELL_CHOICES },
];
const returnSchema = z.object({ returnedDate: date, returnedTime: time, safeAndWellCheck: z.enum(['done', 'not_done', '']).catch('') });

const DECISION_MESSAGE = 'Write the decision (up to 500 characters).';
const decisionText = z.string().trim().max(500, 'Keep the decision to 500 characters.');
export const decisionField = (required: boolean): FormField => ({ id: 'decisionText', kind: 'multiline', label: 'Decision', required, maxLength: 500, errorMessage: DECISION_MESSAGE });
const WHAT_MESSAGE = 'Say what is to be done (up to 200 characters).';
/** An action's fields: what, the owning agency, optionally a person from the team, and when it is due (local time). */
export const actionFields = (subject: Pick<FormSubject, 'today' | 'huddle'>, required: boolean): FormField[] => [
  { id: 'actionWhat', kind: 'text', label: required ? 'Action' : 'Action (optional)', required, maxLength: 200, errorMessage: WHAT_MESSAGE },
  { id: 'actionOwner', kind: 'choice', label: 'Owner (agency)', required, errorMessage: 'Choose the agency that owns it.', choices: ACTION_OWNERS.map((owner) => ({ title: AGENCY_NAMES[owner], value: owner })) },
  ...(subject.huddle?.roster.length ? [{ id: 'actionPerson', kind: 'choice' as const, label: 'Person (optional, from the team)', choices: subject.huddle.roster }] : []),
  { id: 'actionDueDate', kind: 'date', label: 'Due date', required: true, min: subject.today, max: shiftDate(subject.today, 60), errorMessage: 'Give a date from today to 60 days ahead.' },
  timeField('actionDueTime', 'Due time (UK time)'),
];
export const actionInitial = (subject: Pick<FormSubject, 'today' | 'huddle'>) => ({ actionWhat: '', actionOwner: '', actionPerson: '', actionDueDate: subject.huddle?.due.date ?? subject.today, actionDueTime: subject.huddle?.due.time ?? '' });
const actionSchema = {
  actionWhat: z.string().trim().min(1, WHAT_MESSAGE).max(200, WHAT_MESSAGE),
  actionOwner: z.enum(ACTION_OWNERS, 'Choose the agency that owns it.'),
  actionPerson: z.string().max(200).catch(''),
  actionDueDate: z.iso.date('Give a date from today to 60 days ahead.'),
  actionDueTime: time,
};
/** The huddle's form for one child: a decision, an action, or both (an action, once begun, needs its owner). */
export const huddleSchema = z
  .object({
    decisionText,
    actionWhat: z.string().trim().max(200, WHAT_MESSAGE),
    actionOwner: z.union([z.enum(ACTION_OWNERS), z.literal('')], 'Choose the agency that owns it.'),
    actionPerson: z.string().max(200).catch(''),
    actionDueDate: z.union([z.iso.date('Give a date from today to 60 days ahead.'), z.literal('')]),
    actionDueTime: z.union([time, z.literal('')]),
  })
  .superRefine((value, ctx) => {
    if (!value.actionWhat) return;
    if (!value.actionOwner) ctx.addIssue({ code: 'custom', path: ['actionOwner'], message: 'Choose the agency that owns it.' });
    if (!value.actionDueDate) ctx.addIssue({ code: 'custom', path: ['actionDueDate'], message: 'Give a date from today to 60 days ahead.' });
    if (!value.actionDueTime) ctx.addIssue({ code: 'custom', path: ['actionDueTime'], message: GIVE_TIME });
  });

export const CHILD_FORMS = {
  return: form({
    title: 'Record found / returned',
    help: (subject) => `Reported missing ${subject.episode ? formatLocal(subject.episode.reportedAt, subject.timeZone) : ''}. The 72-hour clock for the Return Home Interview starts at the time you give.`,
    submit: { title: 'Record return', verb: 'child.return' },
    fields: returnFields('Returned'),
    initial: (subject) => ({ returnedDate: subject.today, returnedTime: '', safeAndWellCheck: '' }),
    schema: returnSchema,
    fieldOf: { returnedAt: 'returnedTime', safeAndWellCheck: 'safeAndWellCheck' },
  }),
  correct: form({
    title: 'Correct the return time',
    help: (subject) =>
      `Recorded as back ${subject.episode?.returnedAt ? formatLocal(subject.episode.returnedAt, subject.timeZone) : ''}. A correction moves the RHI due time with it and is kept in the audit log.`,
    submit: { title: 'Save correction', verb: 'child.return' },
    fields: returnFields('Returned'),
    initial: (subject) => ({
      returnedDate: subject.episode?.returnedAt ? localDateOf(subject.episode.returnedAt, subject.timeZone) : subject.today,
      returnedTime: subject.episode?.returnedAt ? localTimeOf(subject.episode.returnedAt, subject.timeZone) : '',
      safeAndWellCheck: subject.episode?.safeAndWellCheck ?? '',
    }),
    schema: returnSchema,
    fieldOf: { returnedAt: 'returnedTime', safeAndWellCheck: 'safeAndWellCheck' },
  }),
  safe: form({
    title: 'Safe and well check',
    help: () => 'The police check on the child after they are found.',
    submit: { title: 'Save', verb: 'child.safe' },
    fields: () => [{ id: 'safeAndWellCheck', kind: 'choice', label: 'Safe and well check', required: true, errorMessage: 'Say whether the check was done.', choices: SAFE_AND_WELL_CHOICES }],
    initial: (subject) => ({ safeAndWellCheck: subject.episode?.safeAndWellCheck ?? '' }),
    schema: z.object({ safeAndWellCheck: z.enum(['done', 'not_done'], 'Say whether the check was done.') }),
    fieldOf: { safeAndWellCheck: 'safeAndWellCheck' },
  }),
  update: form({
    title: 'Update risk and what is known',
    help: (subject) =>
      subject.episode?.riskGrade
        ? `Graded ${RISK_GRADE_LABELS[subject.episode.riskGrade].toLowerCase()} now. A new grade needs its reason, kept with the grade history.`
        : 'Not graded yet: give the police grade when you have it.',
    submit: { title: 'Save', verb: 'child.update' },
    fields: () => [
      { id: 'riskGrade', kind: 'choice', label: 'Police risk grade', choices: [...RISK_GRADES].reverse().map((grade) => ({ title: RISK_GRADE_LABELS[grade], value: grade })) },
      { id: 'riskReason', kind: 'multiline', label: 'Why the grade changed', maxLength: 500, errorMessage: 'Keep the reason to 500 characters.' },
      { id: 'lastSeen', kind: 'multiline', label: 'Last seen (where, when, with whom)', maxLength: 500, errorMessage: 'Keep it to 500 characters.' },
      { id: 'concerns', kind: 'multichoice', label: 'Exploitation concerns', choices: EXPLOITATION_CONCERNS.map((concern) => ({ title: EXPLOITATION_LABELS[concern], value: concern })) },
    ],
    initial: (subject) => ({
      riskGrade: subject.episode?.riskGrade ?? '',
      riskReason: '',
      lastSeen: subject.episode?.lastSeen ?? '',
      concerns: (subject.episode?.exploitationConcerns ?? []).join(','),
    }),
    schema: z.object({
      riskGrade: gradeChoice,
      riskReason: optionalText(500, 'Keep the reason to 500 characters.'),
      lastSeen: optionalText(500, 'Keep it to 500 characters.'),
      concerns: concernList,
    }),
    fieldOf: { riskGrade: 'riskGrade', riskReason: 'riskReason', lastSeen: 'lastSeen', exploitationConcerns: 'concerns' },
  }),
  rhi: form({
    title: 'Record the Return Home Interview',
    help: (subject) => {
      const next = nextRhiSteps(subject.rhi);
      return next.length === 1 && next[0] === 'offered'
        ? 'First record when the interview was offered; then whether it was accepted, declined, not reached, or done.'
        : `Next: ${next.map((step) => RHI_STEP_LABELS[step].toLowerCase()).join(', ')}.`;
    },
    submit: { title: 'Record', verb: 'child.rhi' },
    fields: (subject) => [
      { id: 'rhiStep', kind: 'choice', label: 'What happened', required: true, errorMessage: 'Choose what happened.', choices: nextRhiSteps(subject.rhi).map((step) => ({ title: RHI_STEP_LABELS[step], value: step })) },
      dateField('rhiDate', 'Date', subject, subject.episode?.returnedAt ? localDateOf(subject.episode.returnedAt, subject.timeZone) : undefined),
      timeField('rhiTime', 'Time (UK time)'),
      { id: 'rhiBy', kind: 'text', label: 'By whom (worker or service)', maxLength: 120, errorMessage: 'Keep it to 120 characters.' },
      { id: 'rhiProvider', kind: 'choice', label: 'Provider (for a completed interview)', choices: RHI_PROVIDERS.map((provider) => ({ title: RHI_PROVIDER_LABELS[provider], value: provider })) },
    ],
    initial: (subject) => ({ rhiStep: nextRhiSteps(subject.rhi)[0] ?? '', rhiDate: subject.today, rhiTime: '', rhiBy: '', rhiProvider: subject.rhi?.provider ?? '' }),
    schema: z.object({
      rhiStep: z.enum(RHI_STEPS, 'Choose what happened.'),
      rhiDate: date,
      rhiTime: time,
      rhiBy: optionalText(120, 'Keep it to 120 characters.'),
      rhiProvider: z.union([z.enum(RHI_PROVIDERS), z.literal('')], 'Choose a provider from the list.').transform((value) => value || undefined),
    }),
    fieldOf: { offeredAt: 'rhiStep', outcome: 'rhiStep', completedAt: 'rhiTime', provider: 'rhiProvider', offeredBy: 'rhiBy', completedBy: 'rhiBy' },
  }),
  told: form({
    title: 'Placing authority told',
    help: (subject) => `${subject.child.placingAuthority ?? 'The placing authority'} placed this child here and owes the RHI: record when they were told of this episode.`,
    submit: { title: 'Save', verb: 'child.told' },
    fields: (subject) => [
      dateField('toldDate', 'Date told', subject, subject.episode ? localDateOf(subject.episode.reportedAt, subject.timeZone) : undefined),
      timeField('toldTime', 'Time told (UK time)'),
    ],
    initial: (subject) => ({ toldDate: subject.today, toldTime: '' }),
    schema: z.object({ toldDate: date, toldTime: time }),
    fieldOf: { placingAuthorityNotifiedAt: 'toldTime' },
  }),
  note: form({
    title: 'Add what you know',
    help: () => 'Shown on the card to every agency, with your name and agency, unless you restrict it to the missing team.',
    submit: { title: 'Add to the card', verb: 'child.note' },
    fields: () => [
      { id: 'noteCategory', kind: 'choice', label: 'What kind of information', choices: NOTE_CATEGORIES.map((value) => ({ title: NOTE_CATEGORY_LABELS[value], value })) },
      { id: 'noteText', kind: 'multiline', label: 'What you know', required: true, maxLength: 500, errorMessage: 'Write what you know first (up to 500 characters).' },
      { id: 'noteRestricted', kind: 'toggle', label: 'Who sees it', title: 'Restricted: the missing team only' },
    ],
    initial: () => ({ noteCategory: 'seen', noteText: '', noteRestricted: 'false' }),
    schema: z.object({
      noteCategory: z.enum(NOTE_CATEGORIES, 'Choose what kind of information it is.'),
      noteText: z.string().trim().min(1, 'Write what you know first (up to 500 characters).').max(500, 'Keep the note to 500 characters.'),
      noteRestricted: z.enum(['true', 'false']).catch('false'),
    }),
    fieldOf: {},
  }),
  meeting: form({
    title: 'Book a meeting',
    help: (subject) =>
      subject.meeting?.calendar
        ? 'I will look for times when everyone invited is free, in working hours over the next working days.'
        : 'No calendar is connected here, so the times offered are not checked against anyone’s calendar, and you will send the invitation yourself.',
    submit: { title: 'Find times', verb: 'meeting.find' },
    fields: meetingFields,
    initial: meetingInitial,
    schema: z.object(meetingSchema),
    fieldOf: { attendees: 'attendees', fromDate: 'fromDate' },
  }),
  meetingSlot: form({
    title: 'Book a meeting: choose a time',
    help: (subject) =>
      [
        subject.meeting?.calendar ? 'Everyone whose calendar I can see is free at these times.' : 'These times are not checked against anyone’s calendar.',
        subject.meeting?.unknown.length ? `Availability unknown (their calendars are not visible here): ${subject.meeting.unknown.join(', ')}.` : null,
      ]
        .filter(Boolean)
        .join(' '),
    submit: { title: 'Book', verb: 'meeting.book' },
    fields: (subject) => [
      ...meetingFields(subject),
      { id: 'slot', kind: 'choice', label: 'Time (UK time)', required: true, errorMessage: 'Choose a time.', choices: subject.meeting?.slots ?? [] },
    ],
    initial: (subject) => ({ ...meetingInitial(subject), slot: subject.meeting?.slots[0]?.value ?? '' }),
    schema: z.object({ ...meetingSchema, slot: z.iso.datetime({ offset: true, message: 'Choose a time.' }) }),
    fieldOf: { slot: 'slot', attendees: 'attendees' },
  }),
  cancelMeeting: form({
    title: 'Cancel the meeting',
    help: (subject) => `Booked for ${subject.meeting?.bookedAt ?? ''}. Everyone invited is told, with your reason.`,
    submit: { title: 'Cancel the meeting', verb: 'meeting.cancel' },
    fields: () => [{ id: 'comment', kind: 'multiline', label: 'Why (sent to everyone invited)', required: true, maxLength: 500, errorMessage: 'Say why it is cancelled (up to 500 characters).' }],
    initial: () => ({ comment: '' }),
    schema: z.object({ comment: z.string().trim().min(1, 'Say why it is cancelled (up to 500 characters).').max(500, 'Say why it is cancelled (up to 500 characters).') }),
    fieldOf: {},
  }),
  decision: form({
    title: 'The huddle’s decision',
    help: () => 'What the huddle agreed for this child today. Every agency’s copy of the list and the minutes show it.',
    submit: { title: 'Save decision', verb: 'decision.set' },
    fields: () => [decisionField(true)],
    initial: (subject) => ({ decisionText: subject.huddle?.decision ?? '' }),
    schema: z.object({ decisionText: decisionText.pipe(z.string().min(1, DECISION_MESSAGE)) }),
    fieldOf: {},
  }),
  action: form({
    title: 'Add an action',
    help: () => 'Who will do what, by when. The owner is reminded before it is due; an overdue action is raised to the missing team.',
    submit: { title: 'Add action', verb: 'action.add' },
    fields: (subject) => actionFields(subject, true),
    initial: actionInitial,
    schema: z.object(actionSchema),
    fieldOf: { dueAt: 'actionDueTime', actionPerson: 'actionPerson' },
  }),
  changeAction: form({
    title: 'Change the action',
    help: () => 'A new owner or due time is chased afresh; the change is kept in the audit log.',
    submit: { title: 'Save change', verb: 'action.change' },
    fields: (subject) => actionFields(subject, true),
    initial: (subject) => ({ ...actionInitial(subject), ...(subject.huddle?.changing ?? {}) }),
    schema: z.object(actionSchema),
    fieldOf: { dueAt: 'actionDueTime', actionPerson: 'actionPerson' },
  }),
  closeAction: form({
    title: 'Close the action',
    help: (subject) => (subject.huddle?.closing ? `${subject.huddle.closing.owner}: ${subject.huddle.closing.what}` : ''),
    submit: { title: 'Save', verb: 'action.close' },
    fields: () => [
      { id: 'actionOutcome', kind: 'choice', label: 'Outcome', required: true, errorMessage: 'Say whether it was done.', choices: [{ title: 'Done', value: 'done' }, { title: 'Not possible', value: 'not_possible' }] },
      { id: 'actionReason', kind: 'multiline', label: 'Why not (needed when it was not possible)', maxLength: 500, errorMessage: 'Keep it to 500 characters.' },
    ],
    initial: () => ({ actionOutcome: 'done', actionReason: '' }),
    schema: z
      .object({ actionOutcome: z.enum(['done', 'not_possible'], 'Say whether it was done.'), actionReason: optionalText(500, 'Keep it to 500 characters.') })
      .refine((value) => value.actionOutcome === 'done' || value.actionReason, { path: ['actionReason'], message: 'Say why it was not possible: the huddle needs to know.' }),
    fieldOf: {},
  }),
} satisfies Record<FormName, ChildForm<unknown>>;

export type FormValues<N extends FormName> = z.output<(typeof CHILD_FORMS)[N]['schema']>;

export type { ExploitationConcern, RhiStep, RiskGrade };

/** The missing team's report form (the `missing` command): the same record a police notification makes. */
export const REPORT_FORM = {
  title: 'Report a child missing',
  help: 'For the missing team. Times are UK time. The same record as a police or case-management notification.',
  submit: { title: 'Report missing', verb: 'episode.report' },
  fields: (today: string): FormField[] => [
    { id: 'childRef', kind: 'text', label: 'Case reference', required: true, maxLength: 64, regex: CASE_REF_PATTERN, errorMessage: CASE_REF_MESSAGE },
    { id: 'givenName', kind: 'text', label: 'Given name', maxLength: 100 },
    { id: 'familyName', kind: 'text', label: 'Family name', maxLength: 100 },
    { id: 'dateOfBirth', kind: 'date', label: 'Date of birth', min: `${Number(today.slice(0, 4)) - MAX_AGE_YEARS - 1}${today.slice(4)}`, max: today, errorMessage: `Give a date of birth in the last ${MAX_AGE_YEARS} years, not in the future.` },
    { id: 'kind', kind: 'choice', label: 'Kind', required: true, errorMessage: 'Choose how the child went missing.', choices: EPISODE_KINDS.map((kind) => ({ title: EPISODE_KIND_LABELS[kind], value: kind })) },
    { id: 'lookedAfter', kind: 'toggle', label: 'Care', title: 'Looked after' },
    { id: 'placingAuthority', kind: 'text', label: 'Placing authority (if another council placed the child here)', maxLength: 120 },
    { id: 'reportedDate', kind: 'date', label: 'Reported on', required: true, min: `${EVENT_EARLIEST_YEAR}-01-01`, max: today, errorMessage: 'Give a date up to today.' },
    { id: 'reportedTime', kind: 'time', label: 'Reported at (UK time)', required: true, errorMessage: GIVE_TIME },
    { id: 'riskGrade', kind: 'choice', label: 'Police risk grade (leave blank if not graded yet)', choices: [...RISK_GRADES].reverse().map((grade) => ({ title: RISK_GRADE_LABELS[grade], value: grade })) },
    { id: 'policeRef', kind: 'text', label: 'Police reference', maxLength: 64 },
    { id: 'lastSeen', kind: 'multiline', label: 'Last seen (where, when, with whom)', maxLength: 500 },
    { id: 'concerns', kind: 'multichoice', label: 'Exploitation concerns', choices: EXPLOITATION_CONCERNS.map((concern) => ({ title: EXPLOITATION_LABELS[concern], value: concern })) },
  ],
  initial: (today: string): Record<string, string> => ({ kind: 'missing_from_home', lookedAfter: 'false', reportedDate: today }),
  schema: z.object({
    childRef: z.string().trim().min(1, CASE_REF_MESSAGE).max(64, CASE_REF_MESSAGE).regex(new RegExp(CASE_REF_PATTERN), CASE_REF_MESSAGE),
    givenName: optionalText(100, 'Keep the name to 100 characters.'),
    familyName: optionalText(100, 'Keep the name to 100 characters.'),
    dateOfBirth: z.union([z.iso.date('Give the date of birth as a date.'), z.literal('')]).transform((value) => value || undefined),
    kind: z.enum(EPISODE_KINDS, 'Choose how the child went missing.'),
    lookedAfter: z.enum(['true', 'false']).catch('false'),
    placingAuthority: optionalText(120, 'Keep the authority to 120 characters.'),
    reportedDate: date,
    reportedTime: time,
    riskGrade: gradeChoice.transform((value) => value || undefined),
    policeRef: optionalText(64, 'Keep the police reference to 64 characters.'),
    lastSeen: optionalText(500, 'Keep it to 500 characters.'),
    concerns: concernList,
  }),
  fieldOf: {
    'child.ref': 'childRef',
    'child.givenName': 'givenName',
    'child.familyName': 'familyName',
    'child.dateOfBirth': 'dateOfBirth',
    'child.placingAuthority': 'placingAuthority',
    kind: 'kind',
    reportedAt: 'reportedTime',
    riskGrade: 'riskGrade',
    policeRef: 'policeRef',
    lastSeen: 'lastSeen',
    exploitationConcerns: 'concerns',
  } as Record<string, string>,
};

/** The report form as a card of its own: empty, or refused with the entries kept and the problems beside them. */
export function reportFormCard(today: string, values: Record<string, string> = {}, errors: Record<string, string> = {}): CardJson {
  return renderCard('missing-form', {
    formItems: renderForm({
      title: REPORT_FORM.title,
      heading: true,
      help: REPORT_FORM.help,
      fields: REPORT_FORM.fields(today),
      values: { ...REPORT_FORM.initial(today), ...values },
      errors,
      submit: { title: REPORT_FORM.submit.title, verb: REPORT_FORM.submit.verb, data: {} },
    }),
  });
}
