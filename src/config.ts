import { WEEKDAYS } from './domain/oversight';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { BANK_HOLIDAY_REGIONS } from './app/bankHolidays';
import { ACTING_AGENCIES, type ActingAgency } from './domain/access';
import { DEFAULT_ESCALATION_RULES, ESCALATION_PRESETS, escalationRulesSchema, type EscalationRule } from './domain/escalation';

/** Reads a comma-separated list, trimming blanks away. */
const csvList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((value) => (value === '' ? fallback : ['true', '1', 'yes'].includes(value)));

/** What a recording-API key may do: record episodes, returns, RHIs and imports; read the daily list; oversight reports; the audit log. */
export const API_SCOPES = ['record', 'read', 'report', 'audit'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
/** A key given without scopes keeps the rights keys always had. */
const DEFAULT_SCOPES: ApiScope[] = ['record', 'read'];

/**
 * `name:key` or `name:key:scope+scope`. A malformed entry is named by its position only: no part of
 * it is printed, since it may be a key.
 */
const ingestKeys = csvList.transform((entries, ctx) => {
  const keys: { name: string; key: string; scopes: ApiScope[] }[] = [];
  entries.forEach((entry, index) => {
    const parts = entry.split(':').map((part) => part.trim());
    const [name = '', key = '', scopeText] = parts;
    const scopes = scopeText === undefined ? DEFAULT_SCOPES : scopeText.split('+').map((scope) => scope.trim());
    const valid =
      parts.length <= 3 &&
      /^[A-Za-z0-9._-]{1,64}$/.test(name) &&
      key.length >= 16 &&
      key.length <= 256 &&
      scopes.length > 0 &&
      scopes.every((scope) => API_SCOPES.includes(scope as ApiScope));
    if (!valid) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be name:key or name:key:scope+scope (a key of 16 to 256 characters; scopes ${API_SCOPES.join(', ')})` });
      return;
    }
    if (keys.some((existing) => existing.name === name)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} repeats the name of an earlier key: each key needs its own name for the audit log` });
      return;
    }
    keys.push({ name, key, scopes: [...new Set(scopes as ApiScope[])] });
  });
  return keys;
});

/** Entra object ids, comma-separated. */
const objectIds = csvList.pipe(z.array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'each id must be an Entra object id')));
const groupId = z.guid('must be an Entra group id (a GUID)').optional();

/** `police=<group id>,education=<group id>`. */
const agencyGroups = csvList.transform((pairs, ctx) => {
  const groups: Partial<Record<ActingAgency, string>> = {};
  for (const pair of pairs) {
    const [agency = '', id = ''] = pair.split('=').map((part) => part.trim());
    if (!ACTING_AGENCIES.includes(agency as ActingAgency) || !z.guid().safeParse(id).success) {
      ctx.addIssue({ code: 'custom', message: `"${agency.slice(0, 20)}=…" must be agency=<group id> with agency one of ${ACTING_AGENCIES.join(', ')}` });
      continue;
    }
    groups[agency as ActingAgency] = id;
  }
  return groups;
});

/** MEETING_CONTACTS: agency=email pairs (an agency may appear more than once). */
const meetingContacts = csvList.transform((pairs, ctx) => {
  const contacts: Record<string, string[]> = {};
  for (const pair of pairs) {
    const [agency = '', email = ''] = pair.split('=').map((part) => part.trim());
    if (![...ACTING_AGENCIES, 'missing-team'].includes(agency) || !z.email().safeParse(email).success) {
      ctx.addIssue({ code: 'custom', message: `"${agency.slice(0, 20)}=…" must be agency=<email> with agency one of ${[...ACTING_AGENCIES, 'missing-team'].join(', ')}` });
      continue;
    }
    (contacts[agency] ??= []).push(email.toLowerCase());
  }
  return contacts;
});

/** MEETING_HOURS: the local working hours meetings are offered in, HH:MM-HH:MM. */
const meetingHours = z
  .string()
  .default('09:00-17:00')
  .refine((value) => /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(value) && value.slice(0, 5) < value.slice(6), 'must be HH:MM-HH:MM, the start before the end')
  .transform((value) => ({ start: value.slice(0, 5), end: value.slice(6) }));

/** https, or plain http on loopback only (the local Graph fake in tests). */
const graphBaseUrl = z
  .string()
  .default('https://graph.microsoft.com')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
    } catch {
      return false;
    }
  }, 'must be an https URL (plain http only on loopback)');

const escalationRules = z
  .string()
  .default('cumbria')
  .transform((value, ctx): EscalationRule[] => {
    const preset = ESCALATION_PRESETS[value.trim()];
    if (preset) return preset;
    try {
      return escalationRulesSchema.parse(JSON.parse(value));
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a preset (${Object.keys(ESCALATION_PRESETS).join(', ')}) or a JSON array of {"stage","label","episodes","windowDays"}: ${(error as Error).message.split('\n')[0]}`,
      });
      return DEFAULT_ESCALATION_RULES;
    }
  });

const timeZone = z
  .string()
  .default('Europe/London')
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/London');

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined))
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), 'must start with postgres:// or postgresql://'),
  DATA_DIR: z.string().default('./data'),
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  PGLITE_THREAD: z.enum(['main', 'worker']).default('worker'),
  MicrosoftAppId: z.string().default(''),
  MicrosoftAppPassword: z.string().default(''),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: z.string().default(''),
  ALLOWED_TENANT_IDS: csvList,
  LOCAL_AUTHORITY: z.string().min(1).default('Demo Borough Council'),
  TIMEZONE: timeZone,
  RHI_DUE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
  RHI_CHASE_DAYS: z.coerce.number().int().min(1).max(365).default(28),
  ESCALATION_RULES: escalationRules,
  DAILY_POST_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM in 24-hour time')
    .default('08:30'),
  HIGH_RISK_LIST_DAY: z.enum(WEEKDAYS).default('monday'),
  ACTION_ESCALATE_HOURS: z.coerce.number().int().min(1).max(80).default(4),
  OLA_NOTIFY_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  BANK_HOLIDAY_REGION: z.enum(BANK_HOLIDAY_REGIONS).default('ENG'),
  BANK_HOLIDAYS: csvList.pipe(z.array(z.iso.date({ message: 'each bank holiday must be YYYY-MM-DD' }))),
  INGEST_API_KEYS: ingestKeys,
  MISSING_TEAM_USER_IDS: objectIds,
  CHAIR_USER_IDS: objectIds,
  MANAGER_USER_IDS: objectIds,
  MISSING_TEAM_GROUP_ID: groupId,
  CHAIR_GROUP_ID: groupId,
  MANAGER_GROUP_ID: groupId,
  AGENCY_GROUP_IDS: agencyGroups,
  ROLE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  GRAPH_BASE_URL: graphBaseUrl,
  GRAPH_TENANT_ID: z.string().optional(),
  GRAPH_CLIENT_ID: z.string().optional(),
  GRAPH_CLIENT_SECRET: z.string().optional(),
  GRAPH_CLIENT_CERTIFICATE_PATH: z.string().optional().transform((value) => value || undefined),
  GRAPH_ORGANISER: z.union([z.email('must be the organiser mailbox address'), z.literal('')]).default('').transform((value) => value || undefined),
  MEETING_CONTACTS: meetingContacts,
  MEETING_HOURS: meetingHours,
  MEETING_WINDOW_DAYS: z.coerce.number().int().min(1).max(15).default(3),
  PUBLIC_BASE_URL: z
    .url('must be the address people reach this service at, e.g. https://huddle.example.gov.uk')
    .optional()
    .transform((value) => value?.replace(/\/+$/, '')),
  MEETING_LINK_SECRET: z.string().default('').refine((value) => value === '' || value.length >= 32, 'must be at least 32 characters (or empty for a random one per process)'),
  DEMO_DATA: booleanFlag(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Any Entra group configured: roles then depend on Graph, which needs an app registration. */
export const usesGroups = (config: Config) =>
  Boolean(config.MISSING_TEAM_GROUP_ID || config.CHAIR_GROUP_ID || config.MANAGER_GROUP_ID || Object.keys(config.AGENCY_GROUP_IDS).length > 0);

/** The app registration Graph is called with: GRAPH_* settings, else the bot's own. */
export const graphCredentials = (config: Config) => ({
  tenantId: config.GRAPH_TENANT_ID || config.MicrosoftAppTenantId,
  clientId: config.GRAPH_CLIENT_ID || config.MicrosoftAppId,
  clientSecret: config.GRAPH_CLIENT_SECRET || config.MicrosoftAppPassword,
  /** A PEM file with the certificate and its private key: used instead of the secret when given. */
  certificatePath: config.GRAPH_CLIENT_CERTIFICATE_PATH,
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** Local mode (no MicrosoftAppId) has no Bot Framework authentication: it serves and answers loopback only. */
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);

function checkWhole(config: Config): string[] {
  const problems: string[] = [];
  if (!config.MicrosoftAppId && !isLoopbackHost(config.HOST)) {
    problems.push('HOST: without MicrosoftAppId the bot runs in local mode, with no Bot Framework authentication, so it listens on loopback only (127.0.0.1): set MicrosoftAppId to listen elsewhere');
  }
  const credentials = graphCredentials(config);
  const canSignIn = Boolean(credentials.tenantId && credentials.clientId && (credentials.clientSecret || credentials.certificatePath));
  if (usesGroups(config) && !canSignIn) {
    problems.push('GRAPH_CLIENT_ID: Entra groups are checked through Microsoft Graph: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH (or the bot\'s MicrosoftAppTenantId, MicrosoftAppId and MicrosoftAppPassword)');
  }
  if (config.GRAPH_ORGANISER && !canSignIn) {
    problems.push('GRAPH_ORGANISER: meetings are booked through Microsoft Graph: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH (or the bot\'s app registration), or leave GRAPH_ORGANISER empty to offer .ics invitations instead');
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads `.env` into the environment when there is one (variables already set win), so that the
 * README's commands and .env.example work together.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** Parses the environment; throws a ConfigError with one line per bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "use the default", as it does in .env.example.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = configSchema.safeParse(present);
  if (result.success) {
    const problems = checkWhole(result.data);
    if (problems.length === 0) return result.data;
    throw new ConfigError(problems);
  }
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
}

/** The service's settings from `.env` and the environment; on a bad one, says which (one line each) and exits with 2. */
export function serviceConfig(): Config {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
