import { ListSnapshots } from '../lists/listSnapshots';
import pino, { type Logger } from 'pino';
import type restify from 'restify';
import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { createAdapter } from '../bot/adapter';
import { APP_LIMIT, ChannelSender } from '../bot/sender';
import { SharedAppBudget } from '../store/sendBudget';
import { DailyPoster } from '../posting/dailyPoster';
import { Chaser } from '../posting/chaser';
import { CardRefresher } from '../posting/cardRefresher';
import { MissingHuddleBot } from '../bot/bot';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { AccessCache } from '../access/accessCache';
import { ChangeFeed } from '../store/changeFeed';
import { RoleDirectory, type RoleSettings } from '../access/roles';
import { graphCredentials, usesGroups, type Config } from '../config';
import { createGraphClient } from '../graph/client';
import { GraphGroupMembership } from '../graph/groups';
import { GraphChannelMessages } from '../graph/channelMessages';
import type { ListSettings } from '../domain/dailyList';
import { openConfiguredDatabase, type Database } from '../store/db';
import { migrate } from '../store/migrate';
import { loadDemoDataIfEmpty } from './demoData';
import { GraphCalendar } from '../graph/calendar';
import type { MeetingSettings } from '../meetings/booking';
import { inviteLinks, reportLinks } from '../meetings/links';
import { bankHolidays, loadBankHolidays } from './bankHolidays';
import { createServer, listen } from './server';
import { VERSION } from '../version';

/** The composition root: config in, a running service out. */

/** How long requests in flight may take to finish when the service stops. */
export const STOP_GRACE_MS = 8_000;

export interface RunningApp {
  port: number;
  db: Database;
  server: restify.Server;
  logger: Logger;
  demoLoaded: boolean;
  poster: DailyPoster;
  /** Reminders of actions and RHIs due or late (tests drive it with chaser.runOnce()). */
  chaser: Chaser;
  sender: ChannelSender;
  refresher: CardRefresher;
  roles: RoleDirectory;
  /** The list settings the app runs with (time zone, post time, RHI hours, escalation rules). */
  settings: ListSettings;
  stop(): Promise<void>;
}

export interface StartOptions {
  now?: () => Date;
  logger?: Logger;
  /** An already open database (tests share one across apps). */
  db?: Database;
  /**
   * The database `config` names, already opening (src/service.ts starts it before the rest of the
   * service's code loads); the app owns it as one it opened, and closes it when stopped.
   */
  opening?: Promise<Database>;
  /** Run the daily post scheduler (default true; tests drive it with poster.runOnce()). */
  scheduler?: boolean;
  /** The credential Graph calls are made with (tests pass one; by default the app registration's secret). */
  graphCredential?: TokenCredential;
  /** Passed to the poster: tests shorten the stale-claim lease. */
  claim?: import('../posting/dailyPoster').PosterOptions['claim'];
  /** Passed to the sender: tests shorten the backoff. */
  retry?: import('../bot/sender').RetryPolicy;
  /** How long one calendar request to Graph may take (tests shorten it). */
  calendarTimeoutMs?: number;
}

/** The settings lists are built with; the bank holidays computed unless given (startApp reads them kept). */
export function listSettings(config: Config, now = new Date(), holidays?: string[]): ListSettings {
  return {
    timeZone: config.TIMEZONE,
    postTime: config.DAILY_POST_TIME,
    bankHolidays: holidays ?? bankHolidays(config.BANK_HOLIDAY_REGION, config.BANK_HOLIDAYS, now),
    localAuthority: config.LOCAL_AUTHORITY,
    rhiDueHours: config.RHI_DUE_HOURS,
    rhiChaseDays: config.RHI_CHASE_DAYS,
    escalationRules: config.ESCALATION_RULES,
  };
}

export function roleSettings(config: Config): RoleSettings {
  return {
    users: { 'missing-team': config.MISSING_TEAM_USER_IDS, chair: config.CHAIR_USER_IDS, manager: config.MANAGER_USER_IDS },
    groups: { 'missing-team': config.MISSING_TEAM_GROUP_ID, chair: config.CHAIR_GROUP_ID, manager: config.MANAGER_GROUP_ID, ...config.AGENCY_GROUP_IDS },
    cacheMs: config.ROLE_CACHE_SECONDS * 1000,
  };
}

/** The Graph client, when an app registration is configured for it (null in local mode without one). */
function graphClient(config: Config, credential: TokenCredential | undefined) {
  const { tenantId, clientId, clientSecret, certificatePath } = graphCredentials(config);
  if (!credential && !(tenantId && clientId && (clientSecret || certificatePath))) return null;
  const signIn = credential ?? (certificatePath ? new ClientCertificateCredential(tenantId, clientId, { certificatePath }) : new ClientSecretCredential(tenantId, clientId, clientSecret));
  return createGraphClient({ baseUrl: config.GRAPH_BASE_URL, credential: signIn });
}

export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL, base: { app: 'missing-huddle' } });
  const now = options.now ?? (() => new Date());
  const db = options.db ?? (await (options.opening ?? openConfiguredDatabase(config)));
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  const demoLoaded = config.DEMO_DATA ? await loadDemoDataIfEmpty(db, now(), config.LOCAL_AUTHORITY, config.TIMEZONE) : false;
  if (demoLoaded) logger.info('demo data loaded (synthetic children); set DEMO_DATA=false for real use');

  const settings = listSettings(config, now(), await loadBankHolidays(db, config.BANK_HOLIDAY_REGION, config.BANK_HOLIDAYS, now()));
  const instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const adapter = createAdapter(config, logger);
  // On PostgreSQL any number of replicas may send: they share the app's budget there.
  const sender = new ChannelSender(adapter, { appId: config.MicrosoftAppId, logger, retry: options.retry, budget: db.driver === 'postgres' ? new SharedAppBudget(db, APP_LIMIT) : undefined });
  const graph = graphClient(config, options.graphCredential);
  // Once heard (from when the service listens), a change committed by anyone makes every replica
  // forget the grants, channels and list versions it kept.
  const changes = new ChangeFeed();
  changes.on('live', (hearing: boolean) => (hearing ? logger.info('hearing changes') : logger.warn('not hearing changes: grants, channels and list versions are read at every tap until heard again')));
  const access = new AccessCache().follow(changes);
  const roles = new RoleDirectory({ db, settings: roleSettings(config), groups: graph && usesGroups(config) ? new GraphGroupMembership(graph) : null, now, logger, access });
  const lists = new ListSnapshots().follow(changes);
  const refresher = new CardRefresher({ db, sender, settings, now, logger, roles, lists });
  let publicBase = config.PUBLIC_BASE_URL ?? '';
  // Without a configured secret, links work until this process stops (and only on this replica).
  const linkSecret = config.MEETING_LINK_SECRET || randomBytes(32).toString('hex');
  const meetings: MeetingSettings = {
    organiser: config.GRAPH_ORGANISER ?? null,
    calendar: graph && config.GRAPH_ORGANISER ? new GraphCalendar(graph, options.calendarTimeoutMs) : null,
    contacts: config.MEETING_CONTACTS,
    dayStart: config.MEETING_HOURS.start,
    dayEnd: config.MEETING_HOURS.end,
    windowDays: config.MEETING_WINDOW_DAYS,
    links: inviteLinks(linkSecret, () => publicBase),
  };
  const reports = reportLinks(linkSecret, () => publicBase || null);
  const oversight = { listDay: config.HIGH_RISK_LIST_DAY, links: reports };
  const bot = new MissingHuddleBot({ db, logger, allowedTenantIds: config.ALLOWED_TENANT_IDS, settings, now, instance, refresher, roles, meetings, oversight, lists, postNow: () => void poster.runOnce().catch((error: Error) => logger.error({ error: error.message }, 'post run failed')) });
  const poster = new DailyPoster({ db, sender, settings, logger, now, instance, claim: options.claim, posts: graph && new GraphChannelMessages(graph), oversight, lists });
  const chaser = new Chaser({
    db,
    sender,
    settings,
    hours: { dayStart: config.MEETING_HOURS.start, dayEnd: config.MEETING_HOURS.end },
    escalateAfterHours: config.ACTION_ESCALATE_HOURS,
    olaNotifyHours: config.OLA_NOTIFY_HOURS,
    now,
    instance,
    logger,
  });
  const server = createServer({ db, now, settings, adapter, bot, localMode: !config.MicrosoftAppId, ingestKeys: config.INGEST_API_KEYS, logger, version: VERSION, invites: meetings.links, reports, listChanged: (date) => void refresher.request(date) });
  const port = await listen(server, config.PORT, config.HOST);
  await changes.listen(db);
  if (!changes.live) logger.warn('not hearing changes yet: grants, channels and list versions are read at every tap until heard');
  // Invitation links name this service: its public address, or where it listens (local mode).
  publicBase ||= `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info({ port, database: db.driver }, 'listening');
  if (options.scheduler !== false) {
    poster.start();
    chaser.start();
  }

  return {
    port,
    db,
    server,
    logger,
    demoLoaded,
    poster,
    chaser,
    sender,
    refresher,
    roles,
    settings,
    async stop() {
      // Stop taking requests, let those in flight finish (and the post run and card refreshes they
      // started), then close the database. A connection still open after the grace period is cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections();
      const cut = setTimeout(() => server.server.closeAllConnections(), STOP_GRACE_MS);
      try {
        await poster.stop();
        await chaser.stop();
        await closed;
        await refresher.idle();
      } finally {
        clearTimeout(cut);
      }
      await changes.close();
      if (!options.db) await db.close();
    },
  };
}
