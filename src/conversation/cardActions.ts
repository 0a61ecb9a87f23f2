import { z, type ZodType } from 'zod';
import { CHILD_ACK_VERB, CHILD_DETAILS_VERB, CHILD_NOTE_VERB, LIST_ACK_VERB, LIST_PAGE_VERB, withNotice } from '../cards/dailyListCard';
import { errorsBeside, fieldErrors, valuesOf } from '../cards/forms';
import type { CardJson } from '../cards/render';
import { holds, MISSING_TEAM_VIEW, type Audience, type Requirement } from '../domain/access';
import { atLocalTime, formatLocal, localDate, shiftDate } from '../domain/calendar';
import { freeSlots, MEETING_KIND_LABELS, meetingsDue, type Availability } from '../domain/meetings';
import { CalendarUnavailable } from '../graph/calendar';
import { bookMeeting } from '../meetings/booking';
import { cancelMeeting, findMeeting, meetingsOf, rescheduleMeeting, type Meeting } from '../store/meetings';
import { childIdsOn, type DailyList } from '../domain/dailyList';
import { DomainError, isDomainError } from '../domain/errors';
import { escalationFor } from '../domain/escalation';
import { nextRhiSteps, rhiDueAt, rhiStepChanges, rhiStepWord } from '../domain/rhi';
import { AGENCY_NAMES, RISK_GRADE_LABELS, type Child, type Episode } from '../domain/types';
import { cardKey, childDetailsCard, episodesForCard, focusOf, type DetailsRequest } from '../lists/childDetails';
import { CHILD_FORMS, FORM_NAMES, REPORT_FORM, reportFormCard, type FormName, type FormValues } from '../lists/childForms';
import { loadDailyList } from '../lists/dailyListService';
import { eventDate, reportMissingSchema } from '../recording/schemas';
import { changeEpisode, changeRhi, createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import { acknowledge, alreadySeen } from '../store/acknowledgements';
import type { Queryable } from '../store/db';
import { addNote } from '../store/notes';
import { episodeHistory, findChildByRef, findEpisode, rhisCoveringEpisodes } from '../store/repositories';
import { RETURN_CORRECTION_HOURS, returnCorrectable } from '../domain/episodes';
import { auditTurn, Refusal, type ConversationDeps, type RosterMember, type Turn } from './turn';
import { actionCount, addAction, changeAction, closeAction, findAction, MAX_ACTIONS_PER_CHILD_DAY, setDecision } from '../store/huddle';
import type { ActionOwner } from '../domain/actions';
import type { ConversationRef } from '../store/conversationRef';

/**
 * Card actions (Action.Execute → adaptiveCard/action) as one table: verb → who may (requires) →
 * data schema → handler. The router checks `requires`, that the card named was posted here, and the
 * schema, before a handler runs. A form the domain refuses comes back as itself, the entries kept and
 * each problem beside its field; every write answers with a sentence saying what was recorded.
 */

export interface ActionContext {
  turn: Turn;
  /** Who the answer is drawn for: the channel's agency, or the missing team's private view. */
  audience: Audience;
  deps: ConversationDeps;
}

const cardTarget = z.object({
  kind: z.enum(['daily_list', 'overdue']),
  listDate: eventDate(),
  page: z.number().int().min(0).max(1000),
});
const childTarget = cardTarget.extend({ childRef: z.string().min(1).max(64) });
const episodeTarget = childTarget.extend({ episodeId: z.uuid() });
type ChildTarget = z.infer<typeof childTarget>;

export interface CardAction<T> {
  requires: Requirement;
  /** What it does, in the words a refusal uses: "Only the missing team can <doing>." */
  doing: string;
  /** Its data names a card (kind, listDate) that must have been posted into this conversation. */
  namesPostedCard: boolean;
  /**
   * Turns the named card to its data's page: as it checks the card was posted here, the router
   * remembers the page and audits the disclosure (`list.disclosed`), in one statement.
   */
  turnsPage?: boolean;
  schema: ZodType<T, unknown>;
  handle(ctx: ActionContext, data: T, raw: Record<string, unknown>): Promise<CardJson>;
}

/** Declares an action so that its handler's data is typed by its schema. */
const action = <T>(definition: CardAction<T>): CardAction<T> => definition;

const MISSING_TEAM = ['missing-team'] as const;
/** The police record found / returned and the safe and well check from their channel; the missing team from anywhere. */
const RECORDS_RETURNS: Requirement = { who: 'agency', power: 'recordsReturns', orRoles: MISSING_TEAM };

const auditAction = (ctx: ActionContext, what: string, details: Record<string, unknown>) => auditTurn(ctx.deps, ctx.turn, what, { agency: ctx.audience.agency, ...details });

/**
 * The child named on the card, if this conversation may see it: on that day's list (what it was
 * shown), or any child for the missing team.
 */
async function childOnList(ctx: ActionContext, target: ChildTarget): Promise<{ child: Child; list?: DailyList }> {
  const child = await findChildByRef(ctx.deps.db, target.childRef);
  if (child && holds(ctx.turn.who, 'missing-team')) return { child };
  const list = child && (await loadDailyList(ctx.deps.db, target.listDate, ctx.deps.now(), ctx.deps.settings));
  const shown = list && childIdsOn(list).includes(child.id);
  if (!child || !list || !shown) throw new Refusal(404, 'That child is not on this list any more. Refresh the card.', 'child not on list');
  return { child, list };
}

/**
 * The child's card for the person who asked (a user-specific card nobody else sees): the missing
 * team's full view, or the channel's view for anyone else; with a form open or a confirmation.
 */
async function answerWithDetails(ctx: ActionContext, target: ChildTarget, child: Child, extra: Pick<DetailsRequest, 'form' | 'notice'> = {}): Promise<CardJson> {
  const missingTeam = holds(ctx.turn.who, 'missing-team');
  const roster = extra.form?.name === 'action' || extra.form?.name === 'changeAction' ? rosterChoices(await ctx.turn.roster()) : undefined;
  return childDetailsCard(
    ctx.deps.db,
    {
      child,
      audience: missingTeam ? MISSING_TEAM_VIEW : ctx.audience,
      missingTeam,
      chair: holds(ctx.turn.who, 'chair'),
      meetings: ctx.deps.meetings,
      userId: ctx.turn.userId,
      roster,
      back: { kind: target.kind, listDate: target.listDate, page: target.page },
      now: ctx.deps.now(),
      ...extra,
    },
    ctx.deps.settings,
  );
}

/** The team's people as a form offers them. */
export const rosterChoices = (roster: RosterMember[]) => roster.map((member) => ({ title: member.name, value: member.teamsId }));

/** Actions are due from now to this many days ahead. */
export const ACTION_DUE_MAX_DAYS = 60;

/**
 * An action as the form gave it, checked: due in the future (within ACTION_DUE_MAX_DAYS), the person
 * (if any) someone in this team now, the child not over its actions for the day. Refusals name their field.
 */
export async function checkedAction(
  ctx: { turn: Turn; deps: ConversationDeps },
  tx: Queryable,
  child: Child,
  values: { actionWhat: string; actionOwner: ActionOwner; actionPerson: string; actionDueDate: string; actionDueTime: string },
  options: { counted?: boolean } = {},
) {
  const { settings } = ctx.deps;
  const now = ctx.deps.now();
  const dueAt = atLocalTime(values.actionDueDate, values.actionDueTime, settings.timeZone);
  if (dueAt <= now || dueAt.getTime() > now.getTime() + ACTION_DUE_MAX_DAYS * 86_400_000) {
    const message = `Give a due time after now and within ${ACTION_DUE_MAX_DAYS} days.`;
    throw new DomainError('validation', message, [{ path: 'dueAt', message }]);
  }
  let owner: { userId: string | null; teamsId: string; name: string; reference: ConversationRef } | null = null;
  if (values.actionPerson) {
    const member = (await ctx.turn.roster()).find((candidate) => candidate.teamsId === values.actionPerson);
    if (!member) {
      const message = 'That person is not in this team (or Teams would not say): choose again, or leave the person empty.';
      throw new DomainError('validation', message, [{ path: 'actionPerson', message }]);
    }
    owner = { userId: member.aadObjectId, teamsId: member.teamsId, name: member.name, reference: ctx.turn.reference };
  }
  const listDate = localDate(now, settings.timeZone);
  if (options.counted !== false && (await actionCount(tx, child.id, listDate)) >= MAX_ACTIONS_PER_CHILD_DAY) {
    throw new DomainError('validation', `This child already has ${MAX_ACTIONS_PER_CHILD_DAY} actions from today: close some first.`, []);
  }
  return { childId: child.id, listDate, what: values.actionWhat, ownerAgency: values.actionOwner, owner, dueAt, by: ctx.turn.who, at: now };
}

/** The recording use cases, run as the person who tapped, from this conversation. */
function recordingContext(ctx: ActionContext): RecordingContext {
  return { actor: { name: ctx.turn.who.id, kind: 'teams', conversationId: ctx.turn.conversationId }, now: ctx.deps.now(), localAuthority: ctx.deps.settings.localAuthority, timeZone: ctx.deps.settings.timeZone };
}

const at = (ctx: ActionContext, date: string, time: string) => atLocalTime(date, time, ctx.deps.settings.timeZone);
const local = (ctx: ActionContext, time: Date) => formatLocal(time, ctx.deps.settings.timeZone);

/** The ids of a form's inputs, from its schema. */
const idsOf = (name: FormName) => Object.keys((CHILD_FORMS[name].schema as unknown as z.ZodObject).shape);

/**
 * Runs a child's form: reads its inputs, records through the use case, and answers the child's card
 * with a confirmation; or, refused, the same form with the entries kept and each problem beside its
 * field (audited, without the entries: they may hold what a child said).
 */
async function submitForm<N extends FormName>(
  ctx: ActionContext,
  data: ChildTarget & { episodeId?: string },
  raw: Record<string, unknown>,
  name: N,
  record: (tx: Queryable, episode: Episode | undefined, values: FormValues<N>, child: Child) => Promise<string | { notice: string; audit: [string, Record<string, unknown>] }>,
): Promise<CardJson> {
  const { child } = await childOnList(ctx, data);
  const values = valuesOf(idsOf(name), raw);
  const refused = (errors: Record<string, string>) => refuseForm(ctx, data, child, { name, values, errors });
  const parsed = (CHILD_FORMS[name].schema as ZodType<FormValues<N>>).safeParse(values);
  if (!parsed.success) return refused(fieldErrors(parsed.error.issues));
  let done: Awaited<ReturnType<typeof record>>;
  try {
    done = await ctx.deps.db.transaction(async (tx) => {
      const episode = data.episodeId ? await findEpisode(tx, data.episodeId) : undefined;
      if (data.episodeId && (!episode || episode.childId !== child.id)) throw new Refusal(404, 'That episode is not this child’s. Refresh the card.', 'episode mismatch');
      return record(tx, episode, parsed.data, child);
    });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return refused(errorsBeside(error, CHILD_FORMS[name].fieldOf));
  }
  // An audit of the turn goes on the connection after the commit (PGlite runs one transaction at a time).
  if (typeof done !== 'string') await auditAction(ctx, ...done.audit);
  void ctx.deps.refresher.request(data.listDate);
  return answerWithDetails(ctx, data, child, { notice: typeof done === 'string' ? done : done.notice });
}

/** A form refused: audited (which fields, never the entries: they may hold what a child said), and drawn again with its entries and reasons. */
async function refuseForm(ctx: ActionContext, target: ChildTarget, child: Child, form: NonNullable<DetailsRequest['form']>): Promise<CardJson> {
  await auditAction(ctx, 'form.refused', { form: form.name, childRef: child.ref, fields: Object.keys(form.errors ?? {}) });
  return answerWithDetails(ctx, target, child, { form });
}

/** The episode a form acts on; the card always names one, so a missing one is a stale card. */
function theEpisode(episode: Episode | undefined): Episode {
  if (!episode) throw new Refusal(404, 'That card no longer names an episode of this child. Refresh the card.', 'no episode');
  return episode;
}

/** The key of the child as its card shows it now: what an acknowledgement of the child covers. */
async function keyOf(db: Queryable, child: Child, ctx: ActionContext): Promise<string | null> {
  const episodes = await episodesForCard(db, child.id, ctx.deps.now(), ctx.deps.settings.escalationRules);
  return cardKey(child, focusOf(episodes), escalationFor(episodes, ctx.deps.now(), ctx.deps.settings.escalationRules));
}

const CHAIRS = ['chair'] as const;
/** Who runs the huddle: records its decisions and sets actions. */
export const RUNS_HUDDLE = ['missing-team', 'chair'] as const;
const runsHuddle = (ctx: ActionContext) => RUNS_HUDDLE.some((role) => holds(ctx.turn.who, role));
const meetingTarget = childTarget.extend({ meetingId: z.uuid().optional() });

/** A slot as the chair chooses it: "Wed 10 Jun 10:00–11:00". */
const slotChoice = (ctx: ActionContext, start: Date, minutes: number) => ({
  title: `${formatLocal(start, ctx.deps.settings.timeZone, 'EEE d MMM HH:mm')}–${formatLocal(new Date(start.getTime() + minutes * 60_000), ctx.deps.settings.timeZone, 'HH:mm')}`,
  value: start.toISOString(),
});

/** The meetings due for the child now (what a booking answers, the first named), from its episodes and meetings. */
async function dueFor(ctx: ActionContext, child: Child) {
  const episodes = await episodesForCard(ctx.deps.db, child.id, ctx.deps.now(), ctx.deps.settings.escalationRules);
  return meetingsDue(escalationFor(episodes, ctx.deps.now(), ctx.deps.settings.escalationRules), focusOf(episodes), await meetingsOf(ctx.deps.db, [child.id], 50));
}

/** The booked meeting a card names, if it is this child's and still booked. */
async function bookedMeeting(ctx: ActionContext, child: Child, meetingId: string | undefined): Promise<Meeting | undefined> {
  if (!meetingId) return undefined;
  const meeting = await findMeeting(ctx.deps.db, meetingId);
  if (!meeting || meeting.childId !== child.id || meeting.status !== 'booked') throw new Refusal(404, 'That meeting is not booked any more. Refresh the card.', 'meeting not booked');
  return meeting;
}

/**
 * The keys an acknowledgement's card showed (a page's hundreds): each 1–120 characters, checked in
 * one pass over the list rather than as a schema per key (zod runs that per element: 300 of them
 * took about a third of an acknowledgement's validation).
 */
const seenKeys = z
  .array(z.string())
  .max(2000)
  .refine((keys) => keys.every((key) => key.length >= 1 && key.length <= 120), 'each key is 1 to 120 characters');
const reportData = z.object({}).passthrough();

export const ACTIONS: Record<string, CardAction<any>> = {
  'episode.report': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'report a child missing',
    namesPostedCard: false,
    schema: reportData,
    async handle(ctx, _data, raw) {
      const now = ctx.deps.now();
      const today = localDate(now, ctx.deps.settings.timeZone);
      const values = valuesOf(Object.keys(REPORT_FORM.schema.shape), raw);
      const refused = async (errors: Record<string, string>) => {
        await auditAction(ctx, 'form.refused', { form: 'report', fields: Object.keys(errors) });
        return reportFormCard(today, values, errors);
      };
      const form = REPORT_FORM.schema.safeParse(values);
      if (!form.success) return refused(fieldErrors(form.error.issues));
      const input = reportMissingSchema.safeParse({
        child: {
          ref: form.data.childRef,
          givenName: form.data.givenName ?? null,
          familyName: form.data.familyName ?? null,
          dateOfBirth: form.data.dateOfBirth ?? null,
          lookedAfter: form.data.lookedAfter === 'true',
          placingAuthority: form.data.placingAuthority ?? null,
        },
        kind: form.data.kind,
        reportedAt: at(ctx, form.data.reportedDate, form.data.reportedTime).toISOString(),
        riskGrade: form.data.riskGrade ?? null,
        policeRef: form.data.policeRef ?? null,
        lastSeen: form.data.lastSeen ?? null,
        exploitationConcerns: form.data.concerns,
      });
      // The form's own checks are the API's; a value that passes them and not the API's is a date out of range.
      if (!input.success) return refused(Object.fromEntries(input.error.issues.map((issue) => [REPORT_FORM.fieldOf[issue.path.join('.')] ?? 'form', 'Check this: it is outside what the service records.'])));
      let created: boolean;
      try {
        created = (await ctx.deps.db.transaction((tx) => reportMissing(tx, input.data, recordingContext(ctx)))).created;
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return refused(errorsBeside(error, REPORT_FORM.fieldOf));
      }
      const child = (await findChildByRef(ctx.deps.db, input.data.child.ref))!;
      // Today's list, whatever date the form carried: the server's clock decides which card changed.
      void ctx.deps.refresher.request(today);
      const notice = created ? `✓ Reported missing since ${local(ctx, input.data.reportedAt)}. Every agency's copy of today's list now shows the child.` : '✓ That report was already recorded: nothing was added twice.';
      return answerWithDetails(ctx, { kind: 'daily_list', listDate: today, page: 0, childRef: child.ref }, child, { notice });
    },
  }),
  [CHILD_DETAILS_VERB]: action({
    requires: { who: 'list-viewer' },
    doing: "see a child's details",
    namesPostedCard: true,
    schema: childTarget.extend({ form: z.enum(FORM_NAMES).optional(), actionId: z.uuid().optional() }),
    async handle(ctx, data) {
      const { child } = await childOnList(ctx, data);
      if (!data.form) await auditAction(ctx, 'child.disclosed', { childRef: child.ref, displayLevel: holds(ctx.turn.who, 'missing-team') ? 'full' : ctx.audience.displayLevel, private: true });
      return answerWithDetails(ctx, data, child, data.form ? { form: { name: data.form, actionId: data.actionId } } : {});
    },
  }),
  'child.return': action({
    requires: RECORDS_RETURNS,
    doing: 'record a return',
    namesPostedCard: true,
    schema: episodeTarget,
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'return', async (tx, found, values) => {
        const episode = theEpisode(found);
        const returnedAt = at(ctx, values.returnedDate, values.returnedTime);
        if (episode.returnedAt) {
          // A correction from Teams is for a slip noticed soon after; later, the case system corrects it (through the API).
          const recordedAt = (await episodeHistory(tx, episode.id)).filter((entry) => entry.field === 'returnedAt').at(-1)?.changedAt ?? null;
          if (!returnCorrectable(recordedAt, ctx.deps.now())) {
            const message = `This return was recorded more than ${RETURN_CORRECTION_HOURS} hours ago, so it can no longer be corrected from Teams: correct it in the case-management system.`;
            throw new DomainError('validation', message, [{ path: 'returnedAt', message }]);
          }
        }
        const updated = await recordReturn(tx, episode.id, { returnedAt, safeAndWellCheck: values.safeAndWellCheck || episode.safeAndWellCheck || null }, recordingContext(ctx));
        const due = local(ctx, rhiDueAt(returnedAt, ctx.deps.settings.rhiDueHours));
        if (!episode.returnedAt) return `✓ Recorded: back ${local(ctx, returnedAt)}. The Return Home Interview is due by ${due}.`;
        if (updated === episode) return '✓ Nothing changed: that is the return already recorded.';
        return `✓ Return time corrected to ${local(ctx, returnedAt)} (was ${local(ctx, episode.returnedAt)}). The interview is now due by ${due}.`;
      }),
  }),
  'child.safe': action({
    requires: RECORDS_RETURNS,
    doing: 'record a safe and well check',
    namesPostedCard: true,
    schema: episodeTarget,
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'safe', async (tx, found, values) => {
        await changeEpisode(tx, theEpisode(found).id, { safeAndWellCheck: values.safeAndWellCheck }, recordingContext(ctx));
        return `✓ Recorded: safe and well check ${values.safeAndWellCheck === 'done' ? 'done' : 'not done'}.`;
      }),
  }),
  'child.update': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'change a risk grade or what is known',
    namesPostedCard: true,
    schema: episodeTarget,
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'update', async (tx, found, values) => {
        const episode = theEpisode(found);
        const changes = {
          ...(values.riskGrade && values.riskGrade !== episode.riskGrade ? { riskGrade: values.riskGrade, riskReason: values.riskReason } : {}),
          ...(values.lastSeen && values.lastSeen !== episode.lastSeen ? { lastSeen: values.lastSeen } : {}),
          ...(JSON.stringify([...values.concerns].sort()) !== JSON.stringify([...episode.exploitationConcerns].sort()) ? { exploitationConcerns: values.concerns } : {}),
        };
        if (Object.keys(changes).length === 0) return '✓ Nothing changed: the form matched what was recorded.';
        await changeEpisode(tx, episode.id, changes, recordingContext(ctx));
        const said = [
          changes.riskGrade ? `grade ${RISK_GRADE_LABELS[changes.riskGrade].toLowerCase()}${episode.riskGrade ? ` (was ${RISK_GRADE_LABELS[episode.riskGrade].toLowerCase()})` : ''}` : null,
          changes.lastSeen ? 'last seen' : null,
          changes.exploitationConcerns ? 'concerns' : null,
        ].filter(Boolean);
        return `✓ Saved: ${said.join(', ')}. Every agency's copy of the list shows it.`;
      }),
  }),
  'child.rhi': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'record a return home interview',
    namesPostedCard: true,
    schema: episodeTarget,
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'rhi', async (tx, found, values) => {
        const episode = theEpisode(found);
        const time = at(ctx, values.rhiDate, values.rhiTime);
        const [existing] = await rhisCoveringEpisodes(tx, [episode.id]);
        const allowed = nextRhiSteps(existing);
        if (!allowed.includes(values.rhiStep)) {
          const message = allowed.length
            ? `That step does not follow what is recorded: next is ${allowed.map(rhiStepWord).join(', ')}.`
            : 'This interview is already recorded as done.';
          throw new DomainError('validation', message, [{ path: 'outcome', message }]);
        }
        const changes = rhiStepChanges(values.rhiStep, time, values.rhiBy, values.rhiProvider);
        const after = existing ? await changeRhi(tx, existing.id, changes, recordingContext(ctx)) : (await createRhi(tx, { episodeIds: [episode.id], ...changes }, recordingContext(ctx))).value;
        const next = nextRhiSteps(after);
        return `✓ Recorded: interview ${rhiStepWord(values.rhiStep)} ${local(ctx, time)}.${next.length ? ` Next: ${next.map(rhiStepWord).join(', ')}.` : ''}`;
      }),
  }),
  'child.told': action({
    requires: { who: MISSING_TEAM, where: 'anywhere' },
    doing: 'record that the placing authority was told',
    namesPostedCard: true,
    schema: episodeTarget,
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'told', async (tx, found, values, child) => {
        const told = at(ctx, values.toldDate, values.toldTime);
        await changeEpisode(tx, theEpisode(found).id, { placingAuthorityNotifiedAt: told }, recordingContext(ctx));
        return `✓ Recorded: ${child.placingAuthority} told ${local(ctx, told)}.`;
      }),
  }),
  [CHILD_NOTE_VERB]: action({
    requires: { who: 'agency', power: 'addsNotes' },
    doing: 'add information',
    namesPostedCard: true,
    schema: childTarget.extend({ episodeId: z.uuid().optional() }),
    handle: (ctx, data, raw) =>
      submitForm(ctx, data, raw, 'note', async (tx, _episode, values, child) => {
        const { who } = ctx.turn;
        const restricted = values.noteRestricted === 'true';
        await addNote(tx, { childId: child.id, agency: ctx.audience.agency, authorId: who.id, authorName: who.name, category: values.noteCategory, body: values.noteText, restricted, at: ctx.deps.now() });
        const notice = restricted ? '✓ Added as restricted: only the missing team sees it, in their own view.' : `✓ Added to the card, as ${AGENCY_NAMES[ctx.audience.agency]}: every agency's copy shows it.`;
        // The note's words stay out of the audit log: it records that a note was added, not what it says.
        return { notice, audit: ['note.added', { childRef: child.ref, category: values.noteCategory, restricted }] };
      }),
  }),
  'decision.set': action({
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: "record the huddle's decision",
    namesPostedCard: true,
    schema: childTarget.extend({ episodeId: z.string().max(36).optional() }),
    handle: (ctx, data, raw) =>
      submitForm(ctx, { ...data, episodeId: undefined }, raw, 'decision', async (tx, _episode, values, child) => {
        const now = ctx.deps.now();
        const { changed } = await setDecision(tx, { childId: child.id, listDate: localDate(now, ctx.deps.settings.timeZone), body: values.decisionText, by: ctx.turn.who, at: now });
        if (!changed) return '✓ Nothing changed: that is the decision already recorded.';
        // The decision's words stay out of the audit log, as notes' do.
        return { notice: "✓ Decision recorded for today's huddle: it goes in the minutes to every agency.", audit: ['decision.set', { childRef: child.ref }] };
      }),
  }),
  'action.add': action({
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'set an action',
    namesPostedCard: true,
    schema: childTarget.extend({ episodeId: z.string().max(36).optional() }),
    handle: (ctx, data, raw) =>
      submitForm(ctx, { ...data, episodeId: undefined }, raw, 'action', async (tx, _episode, values, child) => {
        const added = await addAction(tx, await checkedAction(ctx, tx, child, values));
        const notice = `✓ Action set for ${AGENCY_NAMES[added.ownerAgency]}${added.ownerName ? ` (${added.ownerName})` : ''}, due ${local(ctx, added.dueAt)}. Every agency's copy of the list shows it.`;
        return { notice, audit: ['action.added', { childRef: child.ref, action: added.id, owner: added.ownerAgency, person: added.ownerUserId ?? added.ownerTeamsId, dueAt: added.dueAt.toISOString() }] };
      }),
  }),
  'action.change': action({
    requires: { who: RUNS_HUDDLE, where: 'anywhere' },
    doing: 'change an action',
    namesPostedCard: true,
    schema: childTarget.extend({ actionId: z.uuid(), episodeId: z.string().max(36).optional() }),
    handle: (ctx, data, raw) =>
      submitForm(ctx, { ...data, episodeId: undefined }, raw, 'changeAction', async (tx, _episode, values, child) => {
        const found = await findAction(tx, data.actionId);
        if (!found || found.childId !== child.id) throw new Refusal(404, 'That action is not this child’s. Refresh the card.', 'action mismatch');
        const input = await checkedAction(ctx, tx, child, values, { counted: false });
        const changed = await changeAction(tx, found.id, input);
        if (!changed) return 'That action was closed meanwhile: nothing changed.';
        const notice = `✓ Changed: ${AGENCY_NAMES[changed.ownerAgency]}${changed.ownerName ? ` (${changed.ownerName})` : ''}, due ${local(ctx, changed.dueAt)}. Every copy of the list shows it.`;
        return {
          notice,
          audit: ['action.changed', { childRef: child.ref, action: found.id, owner: { from: found.ownerAgency, to: changed.ownerAgency }, dueAt: { from: found.dueAt.toISOString(), to: changed.dueAt.toISOString() }, person: changed.ownerUserId ?? changed.ownerTeamsId }],
        };
      }),
  }),
  'action.close': action({
    requires: { who: 'agency', power: 'addsNotes', orRoles: RUNS_HUDDLE },
    doing: 'close an action',
    namesPostedCard: true,
    schema: childTarget.extend({ actionId: z.uuid(), episodeId: z.string().max(36).optional() }),
    handle: (ctx, data, raw) =>
      submitForm(ctx, { ...data, episodeId: undefined }, raw, 'closeAction', async (tx, _episode, values, child) => {
        const found = await findAction(tx, data.actionId);
        if (!found || found.childId !== child.id) throw new Refusal(404, 'That action is not this child’s. Refresh the card.', 'action mismatch');
        // An action is closed by its own agency (acting from its channel), or by those who run the huddle.
        if (!runsHuddle(ctx) && ctx.audience.agency !== found.ownerAgency) {
          throw new Refusal(403, `That action is ${AGENCY_NAMES[found.ownerAgency]}'s: only ${AGENCY_NAMES[found.ownerAgency]}, the missing team or a chair can close it.`, 'not the owner');
        }
        const closed = await closeAction(tx, found.id, { status: values.actionOutcome, reason: values.actionReason ?? null, by: ctx.turn.who, at: ctx.deps.now() });
        if (!closed) return `That action was already closed (${found.status === 'done' ? 'done' : 'not possible'}): nothing changed.`;
        const notice = closed.status === 'done' ? '✓ Marked done. Every copy of the list shows it.' : '✓ Marked not possible, with your reason. Every copy of the list shows it.';
        return { notice, audit: ['action.closed', { childRef: child.ref, action: closed.id, status: closed.status }] };
      }),
  }),
  'meeting.find': action({
    requires: { who: CHAIRS, where: 'anywhere' },
    doing: 'book a meeting',
    namesPostedCard: true,
    schema: meetingTarget,
    async handle(ctx, data, raw) {
      const { child } = await childOnList(ctx, data);
      const values = valuesOf(idsOf('meeting'), raw);
      const form = CHILD_FORMS.meeting.schema.safeParse(values);
      if (!form.success) return refuseForm(ctx, data, child, { name: 'meeting', values, errors: fieldErrors(form.error.issues) });
      const { meetings, settings } = ctx.deps;
      const now = ctx.deps.now();
      const today = localDate(now, settings.timeZone);
      if (form.data.fromDate < today) return refuseForm(ctx, data, child, { name: 'meeting', values, errors: { fromDate: 'Give a date from today to 30 days ahead.' } });
      const from = new Date(Math.max(now.getTime(), atLocalTime(form.data.fromDate, '00:00', settings.timeZone).getTime()));
      // Free/busy over enough calendar days to hold the working days asked for (weekends, bank holidays).
      const until = atLocalTime(shiftDate(form.data.fromDate, meetings.windowDays * 3 + 4), '00:00', settings.timeZone);
      let availability: Availability[];
      try {
        availability = meetings.calendar && meetings.organiser ? await meetings.calendar.availability(meetings.organiser, form.data.attendees, from, until) : form.data.attendees.map((attendee) => ({ attendee, busy: [] }));
      } catch (error) {
        if (!(error instanceof CalendarUnavailable)) throw error;
        return refuseForm(ctx, data, child, { name: 'meeting', values, errors: { form: error.sentence } });
      }
      const answer = freeSlots({ from, workingDays: meetings.windowDays, dayStart: meetings.dayStart, dayEnd: meetings.dayEnd, durationMinutes: form.data.duration, timeZone: settings.timeZone, bankHolidays: settings.bankHolidays }, availability);
      if (answer.slots.length === 0) {
        const next = shiftDate(answer.lastDay, 1);
        const message = `No time from ${formatLocal(atLocalTime(form.data.fromDate, '12:00', settings.timeZone), settings.timeZone, 'EEE d MMM')} to ${formatLocal(atLocalTime(answer.lastDay, '12:00', settings.timeZone), settings.timeZone, 'EEE d MMM')} when everyone is free: I have moved the search on to the next days, so try again.`;
        return refuseForm(ctx, data, child, { name: 'meeting', values: { ...values, fromDate: next }, errors: { fromDate: message } });
      }
      return answerWithDetails(ctx, data, child, { form: { name: 'meetingSlot', values, slots: answer.slots.map((slot) => slotChoice(ctx, slot.start, form.data.duration)), unknown: answer.unknown } });
    },
  }),
  'meeting.book': action({
    requires: { who: CHAIRS, where: 'anywhere' },
    doing: 'book a meeting',
    namesPostedCard: true,
    schema: meetingTarget,
    async handle(ctx, data, raw) {
      const { child } = await childOnList(ctx, data);
      const values = valuesOf(idsOf('meetingSlot'), raw);
      const chosen = /^\d{4}-\d{2}-\d{2}T/.test(values.slot ?? '') ? [slotChoice(ctx, new Date(values.slot!), Number(values.duration) || 60)] : [];
      const refused = (errors: Record<string, string>) => refuseForm(ctx, data, child, { name: 'meetingSlot', values, errors, slots: chosen });
      const form = CHILD_FORMS.meetingSlot.schema.safeParse(values);
      if (!form.success) return refused(fieldErrors(form.error.issues));
      const { meetings } = ctx.deps;
      const now = ctx.deps.now();
      const start = new Date(form.data.slot);
      const end = new Date(start.getTime() + form.data.duration * 60_000);
      if (start.getTime() < now.getTime() - 5 * 60_000 || start.getTime() > now.getTime() + 31 * 86_400_000) return refused({ slot: 'That time has passed or is too far ahead: find times again.' });
      const when = `${formatLocal(start, ctx.deps.settings.timeZone, 'EEE d MMM HH:mm')}–${formatLocal(end, ctx.deps.settings.timeZone, 'HH:mm')}`;
      const moving = await bookedMeeting(ctx, child, data.meetingId);
      try {
        if (moving) {
          if (meetings.calendar && meetings.organiser && moving.graphEventId) await meetings.calendar.reschedule(meetings.organiser, moving.graphEventId, start, end);
          await rescheduleMeeting(ctx.deps.db, moving.id, start, end);
          await auditAction(ctx, 'meeting.moved', { childRef: child.ref, meeting: moving.id, from: moving.startsAt.toISOString(), to: start.toISOString() });
          void ctx.deps.refresher.request(data.listDate);
          return answerWithDetails(ctx, data, child, { notice: `✓ Moved: ${MEETING_KIND_LABELS[moving.kind]} is now ${when}.${moving.invitationSent ? ' Everyone invited gets the new time from the calendar.' : ' No calendar is connected: send the new invitation yourself.'}` });
        }
        const [due, ...alsoDue] = await dueFor(ctx, child);
        if (!due) return refused({ form: 'No meeting is due for this child now (one may have been booked meanwhile): refresh the card.' });
        const { meeting, created } = await bookMeeting(ctx.deps.db, meetings, {
          childId: child.id,
          childRef: child.ref,
          trigger: due.key,
          answers: [due, ...alsoDue].map((trigger) => trigger.key),
          kind: form.data.meetingKind,
          reason: due.reason,
          start,
          end,
          attendees: form.data.attendees,
          bookedBy: ctx.turn.who.id,
          bookedByName: ctx.turn.who.name,
        });
        if (created) await auditAction(ctx, 'meeting.booked', { childRef: child.ref, meeting: meeting.id, kind: meeting.kind, trigger: meeting.trigger, attendees: meeting.attendees.length, invitationSent: meeting.invitationSent });
        void ctx.deps.refresher.request(data.listDate);
        const sent = meeting.invitationSent
          ? ` In ${meetings.organiser}'s calendar as a Teams meeting; ${meeting.attendees.length} ${meeting.attendees.length === 1 ? 'person is' : 'people are'} invited.`
          : ' No calendar is connected, so no invitation was sent: download the invitation below and send it.';
        return answerWithDetails(ctx, data, child, { notice: `✓ Booked: ${MEETING_KIND_LABELS[meeting.kind]}, ${when}.${sent} Every agency's copy of the list shows it.` });
      } catch (error) {
        if (error instanceof CalendarUnavailable) return refused({ form: error.sentence });
        if (isDomainError(error)) return refused({ form: error.message });
        throw error;
      }
    },
  }),
  'meeting.cancel': action({
    requires: { who: CHAIRS, where: 'anywhere' },
    doing: 'cancel a meeting',
    namesPostedCard: true,
    schema: meetingTarget.extend({ meetingId: z.uuid() }),
    async handle(ctx, data, raw) {
      const { child } = await childOnList(ctx, data);
      const meeting = (await bookedMeeting(ctx, child, data.meetingId))!;
      const values = valuesOf(idsOf('cancelMeeting'), raw);
      const form = CHILD_FORMS.cancelMeeting.schema.safeParse(values);
      if (!form.success) return refuseForm(ctx, data, child, { name: 'cancelMeeting', values, errors: fieldErrors(form.error.issues) });
      const { meetings } = ctx.deps;
      try {
        if (meetings.calendar && meetings.organiser && meeting.graphEventId) await meetings.calendar.cancel(meetings.organiser, meeting.graphEventId, form.data.comment);
      } catch (error) {
        if (!(error instanceof CalendarUnavailable)) throw error;
        return refuseForm(ctx, data, child, { name: 'cancelMeeting', values, errors: { form: error.sentence.replace('Nothing was booked', 'Nothing was cancelled') } });
      }
      await cancelMeeting(ctx.deps.db, meeting.id, form.data.comment);
      await auditAction(ctx, 'meeting.cancelled', { childRef: child.ref, meeting: meeting.id });
      void ctx.deps.refresher.request(data.listDate);
      return answerWithDetails(ctx, data, child, { notice: `✓ Cancelled: ${MEETING_KIND_LABELS[meeting.kind]} of ${formatLocal(meeting.startsAt, ctx.deps.settings.timeZone)}.${meeting.invitationSent ? ' Everyone invited is told, with your reason.' : ' Tell the people you invited.'}` });
    },
  }),
  [LIST_PAGE_VERB]: action({
    requires: { who: 'list-viewer' },
    doing: 'see the daily list',
    namesPostedCard: true,
    turnsPage: true,
    schema: cardTarget,
    async handle(ctx, data) {
      // The router has remembered the page and audited the disclosure. The same page for the same
      // audience is one card until the list changes or the minute turns; this tap changed nothing,
      // so the version as last heard will do.
      return ctx.deps.lists.card(ctx.deps.db, { kind: data.kind, date: data.listDate, page: data.page, audience: ctx.audience, now: ctx.deps.now() }, ctx.deps.settings, { readOnly: true });
    },
  }),
  [LIST_ACK_VERB]: action({
    requires: { who: 'agency', power: 'acknowledges' },
    doing: 'acknowledge the list',
    namesPostedCard: true,
    schema: cardTarget.extend({ seen: seenKeys.default([]) }),
    async handle(ctx, data) {
      const { who } = ctx.turn;
      const now = ctx.deps.now();
      // Colleagues acknowledge the same card: what the day's acknowledgements (as last heard; they
      // only grow) already hold needs no statement. Otherwise the acknowledgement shows on the card
      // every copy of the day shares: the version moves with it (one statement), so no replica
      // serves the card drawn before it (this answer included).
      const recorded = await ctx.deps.lists.acknowledgements(ctx.deps.db, data.listDate, now, { readOnly: true });
      const changed = !alreadySeen(recorded, ctx.audience.agency, null, data.seen) && await acknowledge(
        ctx.deps.db,
        { listDate: data.listDate, agency: ctx.audience.agency, childId: null, userId: who.id, userName: who.name, conversationId: ctx.turn.conversationId, at: now, seen: data.seen },
        { bumpVersion: true },
      );
      if (changed) {
        await auditAction(ctx, 'list.acknowledged', { listDate: data.listDate, children: data.seen.length });
        void ctx.deps.refresher.request(data.listDate);
      }
      const notice = changed
        ? `✓ Acknowledged for ${AGENCY_NAMES[ctx.audience.agency]} at ${formatLocal(now, ctx.deps.settings.timeZone, 'HH:mm')}: the ${data.seen.length} ${data.seen.length === 1 ? 'child' : 'children'} this card showed. A child added or regraded later shows as new to ${AGENCY_NAMES[ctx.audience.agency]}.`
        : `${AGENCY_NAMES[ctx.audience.agency]} had already acknowledged everything this card showed.`;
      // The audience's card as every copy shows it now (drawn once per version), with the notice for
      // this person: after a change of its own, at the version read afresh; after none, as last heard.
      return withNotice(await ctx.deps.lists.card(ctx.deps.db, { kind: data.kind, date: data.listDate, page: data.page, audience: ctx.audience, now }, ctx.deps.settings, { readOnly: !changed }), notice);
    },
  }),
  [CHILD_ACK_VERB]: action({
    requires: { who: 'agency', power: 'acknowledges' },
    doing: 'acknowledge a child',
    namesPostedCard: true,
    schema: childTarget,
    async handle(ctx, data) {
      const { child } = await childOnList(ctx, data);
      const key = await keyOf(ctx.deps.db, child, ctx);
      if (!key) throw new Refusal(404, 'That child has no episode to acknowledge. Refresh the card.', 'no episode');
      const { who } = ctx.turn;
      const now = ctx.deps.now();
      const changed = await acknowledge(ctx.deps.db, { listDate: data.listDate, agency: ctx.audience.agency, childId: child.id, userId: who.id, userName: who.name, conversationId: ctx.turn.conversationId, at: now, seen: [key] });
      if (changed) {
        await auditAction(ctx, 'child.acknowledged', { listDate: data.listDate, childRef: child.ref });
        void ctx.deps.refresher.request(data.listDate);
      }
      return answerWithDetails(ctx, data, child, { notice: `✓ Acknowledged for ${AGENCY_NAMES[ctx.audience.agency]} at ${formatLocal(now, ctx.deps.settings.timeZone, 'HH:mm')}.` });
    },
  }),
};
