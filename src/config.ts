import { existsSync } from 'node:fs';
import { z } from 'zod';
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

const ingestKeys = csvList.transform((pairs, ctx) => {
  const keys: { name: string; key: string }[] = [];
  for (const pair of pairs) {
    const separator = pair.indexOf(':');
    const name = pair.slice(0, separator).trim();
    const key = pair.slice(separator + 1).trim();
    if (separator <= 0 || key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `"${name || pair.slice(0, 8)}…" must be name:key with a key of at least 16 characters` });
      continue;
    }
    keys.push({ name, key });
  }
  return keys;
});

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
  MicrosoftAppId: z.string().default(''),
  MicrosoftAppPassword: z.string().default(''),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: z.string().default(''),
  ALLOWED_TENANT_IDS: csvList,
  LOCAL_AUTHORITY: z.string().min(1).default('Demo Borough Council'),
  TIMEZONE: timeZone,
  RHI_DUE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
  ESCALATION_RULES: escalationRules,
  DAILY_POST_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM in 24-hour time')
    .default('08:30'),
  BANK_HOLIDAYS: csvList.pipe(z.array(z.iso.date({ message: 'each bank holiday must be YYYY-MM-DD' }))),
  INGEST_API_KEYS: ingestKeys,
  MISSING_TEAM_USER_IDS: csvList,
  DEMO_DATA: booleanFlag(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

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
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
}
