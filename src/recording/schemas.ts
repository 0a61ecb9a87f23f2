import { z } from 'zod';
import { BIRTH_EARLIEST_YEAR, EVENT_DATE_MESSAGE, isPlausibleEventDate } from '../domain/plausible';
import { EPISODE_KINDS, EXPLOITATION_CONCERNS, RHI_OUTCOMES, RHI_PROVIDERS, RISK_GRADES, SAFE_AND_WELL } from '../domain/types';

/**
 * What a notification may say, as zod schemas: the recording API validates requests with them, the
 * OpenAPI document is generated from them, and the CSV import and the bot build the same inputs.
 */

const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-03-01T14:05:00Z' })
  .refine(isPlausibleEventDate, EVENT_DATE_MESSAGE)
  .transform((value) => new Date(value));

/** A local calendar date an event of this service can have. */
export const eventDate = (message = 'must be YYYY-MM-DD') => z.iso.date(message).refine(isPlausibleEventDate, EVENT_DATE_MESSAGE);
const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => text(max).nullish().transform((value) => value ?? null);

export const childSchema = z
  .object({
    ref: text(64).regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/, 'letters, digits and . _ / - only').describe('The case reference in the case-management system.'),
    givenName: optionalText(100),
    familyName: optionalText(100),
    dateOfBirth: z.iso
      .date('must be YYYY-MM-DD')
      .refine((value) => Number(value.slice(0, 4)) >= BIRTH_EARLIEST_YEAR, `must be after ${BIRTH_EARLIEST_YEAR}`)
      .nullish()
      .transform((value) => value ?? null)
      .describe('Checked against today as well: not in the future, and a child or care leaver.'),
    lookedAfter: z.boolean().nullish().transform((value) => value ?? null).describe('Absent: unchanged for a known child, false for a new one.'),
    placingAuthority: optionalText(120).describe('For a looked-after child: the placing (responsible) authority; absent for this authority.'),
    placementInArea: z.boolean().nullish().transform((value) => value ?? null),
    school: optionalText(160),
    socialWorkerEmail: z.email('must be an email address').max(254).nullish().transform((value) => value?.toLowerCase() ?? null).describe("The allocated social worker's email: invited to the child's strategy meetings."),
  })
  .strict();

export const reportMissingSchema = z
  .object({
    child: childSchema,
    kind: z.enum(EPISODE_KINDS),
    reportedAt: instant,
    riskGrade: z.enum(RISK_GRADES).nullish().transform((value) => value ?? null).describe('Police risk grade (College of Policing APP).'),
    policeRef: optionalText(64),
    lastSeen: optionalText(500),
    exploitationConcerns: z.array(z.enum(EXPLOITATION_CONCERNS)).max(EXPLOITATION_CONCERNS.length).default([]).transform((list) => [...new Set(list)]),
  })
  .strict();

export const recordReturnSchema = z
  .object({
    returnedAt: instant,
    safeAndWellCheck: z.enum(SAFE_AND_WELL).nullish().transform((value) => value ?? null),
  })
  .strict();

export const changeEpisodeSchema = z
  .object({
    kind: z.enum(EPISODE_KINDS).optional(),
    riskGrade: z.enum(RISK_GRADES).optional(),
    riskReason: text(500).optional().describe('Why the grade changed: required when an existing grade changes, kept with the grade history.'),
    policeRef: text(64).optional(),
    lastSeen: text(500).optional(),
    exploitationConcerns: z.array(z.enum(EXPLOITATION_CONCERNS)).max(EXPLOITATION_CONCERNS.length).transform((list) => [...new Set(list)]).optional(),
    safeAndWellCheck: z.enum(SAFE_AND_WELL).optional(),
    placingAuthorityNotifiedAt: instant.optional().describe('For a child placed by another authority: when that authority was told.'),
  })
  .strict()
  .refine((input) => Object.keys(input).length > 0, 'name at least one field to change');

const rhiFields = {
  offeredAt: instant.optional(),
  offeredBy: text(120).optional(),
  outcome: z.enum(RHI_OUTCOMES).optional(),
  completedAt: instant.optional(),
  completedBy: text(120).optional(),
  provider: z.enum(RHI_PROVIDERS).optional(),
};

export const createRhiSchema = z
  .object({
    ref: text(64).optional().describe('Your reference for the interview; sending it again returns the same interview.'),
    episodeIds: z.array(z.uuid()).min(1).max(50).describe('The episodes this interview covers (one RHI may cover several).'),
    ...rhiFields,
  })
  .strict();

export const changeRhiSchema = z
  .object({
    ...rhiFields,
    addEpisodeIds: z.array(z.uuid()).min(1).max(50).optional(),
  })
  .strict()
  .refine((input) => Object.keys(input).length > 0, 'name at least one field to change');

export type ChildInput = z.output<typeof childSchema>;
export type ReportMissingInput = z.output<typeof reportMissingSchema>;
export type RecordReturnInput = z.output<typeof recordReturnSchema>;
export type ChangeEpisodeInput = z.output<typeof changeEpisodeSchema>;
export type CreateRhiInput = z.output<typeof createRhiSchema>;
export type ChangeRhiInput = z.output<typeof changeRhiSchema>;
