import type { Logger } from 'pino';
import { actionStage, addWorkingHours, DUE_SOON_WORKING_HOURS, inWorkingHours, type ActionStage, type WorkingHours } from '../domain/actions';
import { formatLocal, localDate } from '../domain/calendar';
import { summarise, type ListSettings } from '../domain/dailyList';
import { AGENCY_NAMES, type AgencyCode } from '../domain/types';
import { loadDailyList } from '../lists/dailyListService';
import { Rounds } from './rounds';
import { dueText, ownerText } from '../lists/actionText';
import { activeLinkedChannels, type Channel } from '../store/channels';
import type { ConversationRef } from '../store/conversationRef';
import type { Database } from '../store/db';
import { claimReminder, openActionsToChase, releaseReminder, reminderSent, type HuddleAction } from '../store/huddle';
import { audit, findChildById, findEpisode } from '../store/repositories';

/**
 * Chases what is late, in working hours only: an action's owner is told when it is due soon and
 * when it is overdue (in a personal chat when a person was named, else the agency's channel), and an
 * action still open ACTION_ESCALATE_HOURS working hours after it was due is raised to the missing
 * team; the missing team is told when an RHI is 24 hours from due and when it is overdue, and when a
 * placing authority has not been told of its child's episode within OLA_NOTIFY_HOURS. Each reminder
 * is claimed in the database by what it is about and its stage before it is sent, so nobody is told
 * twice across restarts and replicas. Reminders name children by case reference and initials only.
 */

/** What chasing needs of the sender (botbuilder stays in src/bot/). */
export interface ReminderSender {
  sendText(reference: ConversationRef, text: string): Promise<string | undefined>;
  /** Opens (or finds) the bot's personal chat with a person of the team `via` is in, and posts there. */
  sendPersonal(via: ConversationRef, teamsUserId: string, text: string): Promise<string | undefined>;
}

export interface ChaserOptions {
  db: Database;
  sender: ReminderSender;
  settings: ListSettings;
  /** The working day (MEETING_HOURS) on working days: when reminders go and how lateness is counted. */
  hours: Pick<WorkingHours, 'dayStart' | 'dayEnd'>;
  /** ACTION_ESCALATE_HOURS. */
  escalateAfterHours: number;
  /** OLA_NOTIFY_HOURS. */
  olaNotifyHours: number;
  now: () => Date;
  instance: string;
  logger: Logger;
  /** A claim this old whose reminder was never confirmed belonged to a sender that died: taken over. */
  staleMs?: number;
}

export interface ChaseRun {
  /** False outside working hours: nothing is looked at. */
  working: boolean;
  sent: number;
  failed: number;
}

/** At most this many actions are looked at a round (the rest wait for the next, a minute later). */
export const ACTIONS_PER_ROUND = 200;

type Delivery = { to: 'person'; via: ConversationRef; teamsUserId: string } | { to: 'channel' | 'missing-team'; channels: Channel[] };

interface Reminder {
  key: string;
  text: string;
  deliveries: Delivery[];
  details: Record<string, unknown>;
}

export class Chaser {
  private readonly rounds: Rounds<ChaseRun>;
  private readonly hours: WorkingHours;

  constructor(private readonly options: ChaserOptions) {
    this.hours = { ...options.settings, ...options.hours };
    this.rounds = new Rounds(() => this.run(), options.logger, 'chasing round');
  }

  /** Sends whatever reminders are due now (a call during a round runs one more after it). */
  runOnce(): Promise<ChaseRun> {
    return this.rounds.runOnce();
  }

  /** A round every minute, the first a minute after the start (a reminder a minute late is fine; the start stays light). */
  start(intervalMs = 60_000): void {
    this.rounds.start(intervalMs, { now: false });
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  private async run(): Promise<ChaseRun> {
    const now = this.options.now();
    const run: ChaseRun = { working: inWorkingHours(now, this.hours), sent: 0, failed: 0 };
    // Quiet hours: nothing is sent at night, at weekends or on bank holidays; it waits for the morning.
    if (!run.working) return run;
    const channels = await activeLinkedChannels(this.options.db);
    const reminders = [...(await this.actionReminders(now, channels)), ...(await this.listReminders(now, channels))];
    for (const reminder of reminders) {
      const outcome = await this.deliver(reminder, now);
      if (outcome) run[outcome]++;
    }
    if (run.sent + run.failed > 0) this.options.logger.info(run, 'reminders sent');
    return run;
  }

  private async actionReminders(now: Date, channels: Channel[]): Promise<Reminder[]> {
    const { db, settings, escalateAfterHours } = this.options;
    const until = addWorkingHours(now, DUE_SOON_WORKING_HOURS, this.hours);
    const actions = await openActionsToChase(db, until, ACTIONS_PER_ROUND);
    const reminders: Reminder[] = [];
    for (const action of actions) {
      const stage = actionStage(action.dueAt, now, this.hours, escalateAfterHours);
      if (!stage) continue;
      const child = await this.who(action.childId, now);
      reminders.push({
        // By the due time too: an action moved to a later time is chased again for it.
        key: actionReminderKey(action, stage),
        text: actionReminderText(action, stage, child, now, settings.timeZone, escalateAfterHours),
        deliveries: stage === 'escalated' ? [{ to: 'missing-team', channels: ofAgency(channels, 'missing-team') }] : ownerDeliveries(action, channels),
        details: { action: action.id, stage, owner: action.ownerAgency },
      });
    }
    return reminders;
  }

  /** The RHIs due within 24 hours or overdue, and placing authorities not told, from the day's list: the missing team's. */
  private async listReminders(now: Date, channels: Channel[]): Promise<Reminder[]> {
    const { db, settings, olaNotifyHours } = this.options;
    // Read afresh each round (a minute apart), not from the kept snapshot the card taps share.
    const list = await loadDailyList(db, localDate(now, settings.timeZone), now, settings);
    const team: Delivery[] = [{ to: 'missing-team', channels: ofAgency(channels, 'missing-team') }];
    const at = (iso: string) => formatLocal(new Date(iso), settings.timeZone, 'HH:mm EEE d MMM');
    const reminders: Reminder[] = list.rhis.map((entry) => ({
      key: `rhi:${entry.episodeId}:${entry.state}`,
      text:
        entry.state === 'due_soon'
          ? `⏰ Return Home Interview for ${entry.caseRef} (${initialsText(entry.initials)}) is due by ${at(entry.dueAt)}. Owner: ${entry.owner}.${entry.offeredAt ? '' : ' Not offered yet.'}`
          : `⚠️ Return Home Interview for ${entry.caseRef} (${initialsText(entry.initials)}) is overdue: it was due by ${at(entry.dueAt)}. Owner: ${entry.owner}.`,
      deliveries: team,
      details: { episode: entry.episodeId, stage: `rhi_${entry.state}` },
    }));
    for (const entry of [...list.missingNow, ...list.returned]) {
      if (!entry.ola || entry.placingAuthorityNotifiedAt) continue;
      const reportedAt = 'reportedAt' in entry ? new Date(entry.reportedAt) : (await findEpisode(db, entry.episodeId))?.reportedAt;
      if (!reportedAt || now.getTime() - reportedAt.getTime() < olaNotifyHours * 3_600_000) continue;
      reminders.push({
        key: `ola:${entry.episodeId}`,
        text: `⚠️ ${entry.placingAuthority} placed ${entry.caseRef} (${initialsText(entry.initials)}) here and has not been told of the episode reported ${formatLocal(reportedAt, settings.timeZone, 'HH:mm EEE d MMM')} (more than ${olaNotifyHours} hours ago). Tell them, then record it on the child's card.`,
        deliveries: team,
        details: { episode: entry.episodeId, stage: 'ola_not_told' },
      });
    }
    return reminders;
  }

  private async who(childId: string, now: Date): Promise<{ caseRef: string; initials: string }> {
    const child = await findChildById(this.options.db, childId);
    if (!child) return { caseRef: 'an unknown case', initials: '?' };
    const summary = summarise(child, localDate(now, this.options.settings.timeZone), this.options.settings.localAuthority);
    return { caseRef: summary.caseRef, initials: summary.initials };
  }

  /** Claims, sends (to the first delivery that works) and records one reminder. */
  private async deliver(reminder: Reminder, now: Date): Promise<'sent' | 'failed' | undefined> {
    const { db, sender, instance, logger } = this.options;
    if (!(await claimReminder(db, reminder.key, instance, now, this.options.staleMs ?? 10 * 60_000))) return undefined;
    for (const delivery of reminder.deliveries) {
      try {
        if (delivery.to === 'person') {
          await sender.sendPersonal(delivery.via, delivery.teamsUserId, reminder.text);
        } else {
          if (delivery.channels.length === 0) continue;
          // Told once one of the agency's channels has it: a second channel failing does not send it again everywhere.
          const sent = await Promise.allSettled(delivery.channels.map((channel) => sender.sendText(channel.reference, reminder.text)));
          const failures = sent.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
          if (failures.length === sent.length) throw failures[0]!.reason;
          for (const failure of failures) logger.warn({ key: reminder.key, error: (failure.reason as Error).message }, 'one of the channels did not take the reminder; the others did');
        }
        await reminderSent(db, reminder.key, delivery.to, this.options.now());
        await audit(db, { actor: 'chaser', actorKind: 'system', action: 'reminder.sent', details: { ...reminder.details, to: delivery.to } });
        return 'sent';
      } catch (error) {
        logger.warn({ key: reminder.key, to: delivery.to, error: (error as Error).message }, 'reminder not delivered there; trying the next way');
      }
    }
    // Nowhere took it (no channel linked, or every send failed): the claim goes back, to be tried next round.
    await releaseReminder(db, reminder.key);
    logger.error({ key: reminder.key }, 'reminder not delivered; will retry');
    return 'failed';
  }
}

/** What a reminder of an action is claimed by: the action, its due time and the stage. */
export const actionReminderKey = (action: Pick<HuddleAction, 'id' | 'dueAt'>, stage: ActionStage) => `action:${action.id}:${action.dueAt.getTime()}:${stage}`;

const ofAgency = (channels: Channel[], agency: AgencyCode) => channels.filter((channel) => channel.agency === agency);
const initialsText = (initials: string) => (initials === '?' ? 'no initials' : `${initials.split('').join('.')}.`);

/** An action's owner is told in a personal chat when a person was named; otherwise (or if that fails) its agency's channels, then the missing team's. */
function ownerDeliveries(action: HuddleAction, channels: Channel[]): Delivery[] {
  return [
    ...(action.ownerTeamsId && action.ownerReference ? [{ to: 'person' as const, via: action.ownerReference, teamsUserId: action.ownerTeamsId }] : []),
    { to: 'channel', channels: ofAgency(channels, action.ownerAgency) },
    ...(action.ownerAgency === 'missing-team' ? [] : [{ to: 'missing-team' as const, channels: ofAgency(channels, 'missing-team') }]),
  ];
}

export function actionReminderText(action: HuddleAction, stage: ActionStage, child: { caseRef: string; initials: string }, now: Date, timeZone: string, escalateAfterHours: number): string {
  const about = `${child.caseRef} (${initialsText(child.initials)})`;
  const due = dueText(action.dueAt, now, timeZone);
  const close = "Mark it done (or not possible) from the child's card on the daily list.";
  if (stage === 'due_soon') return `⏰ Action due by ${due} for ${about}: ${action.what}. Owner: ${ownerText(action)}. ${close}`;
  if (stage === 'overdue') return `⚠️ Action overdue (was due by ${due}) for ${about}: ${action.what}. Owner: ${ownerText(action)}. ${close}`;
  return `🔺 Raised to the missing team: ${AGENCY_NAMES[action.ownerAgency]}'s action for ${about} is still open more than ${escalateAfterHours} working hours after it was due (${due}): ${action.what}. Owner: ${ownerText(action)}.`;
}
