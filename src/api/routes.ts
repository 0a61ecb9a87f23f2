import { z, type ZodType } from 'zod';
import { localDate } from '../domain/calendar';
import type { ListSettings } from '../domain/dailyList';
import { MAX_PROBLEMS } from '../app/bodies';
import { CsvFormatError } from '../import/csvRows';
import { importEpisodesCsv } from '../import/importer';
import { monthlyCsv, monthlyFigures, monthSchema, monthsBetween } from '../reports/monthly';
import { loadDailyList } from '../lists/dailyListService';
import * as schemas from '../recording/schemas';
import { changeEpisode, changeRhi, createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import type { Database } from '../store/db';
import { audit, findChildById, searchAudit } from '../store/repositories';
import type { Episode } from '../domain/types';
import Negotiator from 'negotiator';
import type { ApiScope } from '../config';

/**
 * The recording API as one table: each route names its input schemas (the OpenAPI document is
 * generated from them) and a handler that reads like the feature.
 */

export interface ApiDeps {
  db: Database;
  now: () => Date;
  settings: ListSettings;
}

/** What a handler gets: params, query and body already validated by the route's own schemas. */
export interface ApiRequest<P = Record<string, string>, Q = Record<string, string | undefined>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The name of the key the caller used. */
  caller: string;
  /** The caller's Accept header (absent: anything). */
  accept?: string;
}

export interface ApiAnswer {
  status: number;
  /** JSON, or the text of another type named by `contentType`. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The type the caller prefers of those a route can answer in, by the Accept header's qualities. */
export function preferredType(accept: string | undefined, offered: readonly string[]): string {
  return new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType([...offered]) ?? offered[0]!;
}

export interface ApiRoute<P = any, Q = any, B = any> {
  method: 'get' | 'post' | 'patch';
  /** The scope a key needs: the server checks it before anything is read. */
  requires: ApiScope;
  path: string; // restify style, e.g. /api/v1/episodes/:id
  summary: string;
  description?: string;
  body?: ZodType<B>;
  bodyType?: 'application/json' | 'text/csv';
  query?: ZodType<Q>;
  params?: ZodType<P>;
  responses: Record<number, { description: string; schema?: ZodType }>;
  handle(request: ApiRequest<P, Q, B>, deps: ApiDeps): Promise<ApiAnswer>;
}

/** Declares a route so that its handler sees the types its schemas produce. */
const route = <P = Record<string, string>, Q = Record<string, string | undefined>, B = unknown>(definition: ApiRoute<P, Q, B>): ApiRoute<P, Q, B> => definition;

const idParams = z.object({ id: z.uuid('must be an id as returned when the record was created') });

const instantOut = z.iso.datetime({ offset: true });
export const episodeOut = z.object({
  id: z.uuid(),
  childId: z.uuid(),
  childRef: z.string(),
  kind: z.enum(['missing_from_home', 'missing_from_care', 'away_without_authorisation']),
  reportedAt: instantOut,
  returnedAt: instantOut.nullable(),
  policeRef: z.string().nullable(),
  riskGrade: z.enum(['no_apparent_risk', 'low', 'medium', 'high']).nullable(),
  lastSeen: z.string().nullable(),
  exploitationConcerns: z.array(z.string()),
  safeAndWellCheck: z.enum(['done', 'not_done']).nullable(),
  responsibleAuthority: z.string().nullable(),
  hostAuthority: z.string().nullable(),
  placementInArea: z.boolean().nullable(),
});
export const rhiOut = z.object({
  id: z.uuid(),
  childId: z.uuid(),
  externalRef: z.string().nullable(),
  episodeIds: z.array(z.uuid()),
  offeredAt: instantOut.nullable(),
  offeredBy: z.string().nullable(),
  outcome: z.enum(['accepted', 'declined', 'no_contact']).nullable(),
  completedAt: instantOut.nullable(),
  completedBy: z.string().nullable(),
  provider: z.enum(['in_house', 'commissioned', 'spot_purchased', 'social_worker']).nullable(),
});
const auditEntryOut = z.object({
  id: z.number().int(),
  at: instantOut,
  actor: z.string(),
  actorName: z.string().nullable(),
  actorKind: z.enum(['api', 'teams', 'import', 'system']),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  conversationId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
const auditPageOut = z.object({ entries: z.array(auditEntryOut), next: z.number().int().nullable() });
export const errorOut = z.object({ error: z.string(), errors: z.array(z.object({ path: z.string(), message: z.string() })) });

const context = (request: Pick<ApiRequest, 'caller'>, deps: ApiDeps): RecordingContext => ({
  actor: { name: request.caller, kind: 'api' },
  now: deps.now(),
  localAuthority: deps.settings.localAuthority,
  timeZone: deps.settings.timeZone,
});

async function presentEpisode(deps: ApiDeps, episode: Episode) {
  const child = await findChildById(deps.db, episode.childId);
  return { ...episode, childRef: child?.ref ?? null };
}

const notFound = { description: 'No such record.', schema: errorOut };
const invalid = { description: 'The request is not valid; `errors` lists each problem.', schema: errorOut };
const conflict = { description: 'The change contradicts what is recorded (an overlapping episode, a reference already used).', schema: errorOut };

export const API_ROUTES: ApiRoute[] = [
  route({
    method: 'post',
    path: '/api/v1/episodes',
    requires: 'record',
    summary: 'Report a child missing',
    description: 'Idempotent: the same policeRef, or the same child ref and reportedAt, answers 200 with the episode already recorded.',
    body: schemas.reportMissingSchema,
    responses: { 201: { description: 'Recorded.', schema: episodeOut }, 200: { description: 'Already recorded.', schema: episodeOut }, 400: invalid, 409: conflict },
    async handle(request, deps) {
      const result = await deps.db.transaction((tx) => reportMissing(tx, request.body, context(request, deps)));
      return { status: result.created ? 201 : 200, body: await presentEpisode(deps, result.value) };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/episodes/:id/return',
    requires: 'record',
    summary: 'Record that a missing child was found or returned',
    params: idParams,
    body: schemas.recordReturnSchema,
    responses: { 200: { description: 'The episode as it now stands.', schema: episodeOut }, 400: invalid, 404: notFound, 409: conflict },
    async handle(request, deps) {
      const episode = await deps.db.transaction((tx) => recordReturn(tx, request.params.id, request.body, context(request, deps)));
      return { status: 200, body: await presentEpisode(deps, episode) };
    },
  }),
  route({
    method: 'patch',
    path: '/api/v1/episodes/:id',
    requires: 'record',
    summary: 'Change an episode (risk grade, last seen, concerns, safe and well check); every change is kept in its history',
    params: idParams,
    body: schemas.changeEpisodeSchema,
    responses: { 200: { description: 'The episode as it now stands.', schema: episodeOut }, 400: invalid, 404: notFound, 409: conflict },
    async handle(request, deps) {
      const episode = await deps.db.transaction((tx) => changeEpisode(tx, request.params.id, request.body, context(request, deps)));
      return { status: 200, body: await presentEpisode(deps, episode) };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/return-interviews',
    requires: 'record',
    summary: 'Record a return home interview covering one or more episodes',
    description: 'With `ref`, idempotent: the same ref again answers 200 with the interview, adding any new episodes.',
    body: schemas.createRhiSchema,
    responses: { 201: { description: 'Recorded.', schema: rhiOut }, 200: { description: 'Already recorded (by ref).', schema: rhiOut }, 400: invalid, 409: conflict },
    async handle(request, deps) {
      const result = await deps.db.transaction((tx) => createRhi(tx, request.body, context(request, deps)));
      return { status: result.created ? 201 : 200, body: result.value };
    },
  }),
  route({
    method: 'patch',
    path: '/api/v1/return-interviews/:id',
    requires: 'record',
    summary: 'Record an RHI offer, outcome or completion, or add episodes it covers',
    params: idParams,
    body: schemas.changeRhiSchema,
    responses: { 200: { description: 'The interview as it now stands.', schema: rhiOut }, 400: invalid, 404: notFound, 409: conflict },
    async handle(request, deps) {
      return { status: 200, body: await deps.db.transaction((tx) => changeRhi(tx, request.params.id, request.body, context(request, deps))) };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/daily-list',
    requires: 'read',
    summary: 'The daily list for a date: children missing now, returned since the last huddle, RHIs overdue or due soon',
    description: 'Full names included: this API is for the systems that recorded them. Times are UTC; the cards show them in local time.',
    query: z.object({ date: schemas.eventDate().optional().describe('Local date; today when absent.') }),
    responses: { 200: { description: 'The list (the same data the daily card shows).' }, 400: invalid },
    async handle(request, deps) {
      const now = deps.now();
      const date = request.query.date ?? localDate(now, deps.settings.timeZone);
      const list = await loadDailyList(deps.db, date, now, deps.settings);
      await audit(deps.db, { actor: request.caller, actorKind: 'api', action: 'list.disclosed', details: { kind: 'daily_list', listDate: date, displayLevel: 'full' } });
      return { status: 200, body: list };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/audit',
    requires: 'audit',
    summary: 'The audit log: who saw, changed, linked, granted or was refused what, and when',
    description:
      'Newest first, paged: pass `before` from `next` for the next page. `subject` is a case reference. Entries hold case references and staff, never children\'s names. Reading the audit is itself audited.',
    query: z.object({
      subject: z.string().max(64).optional().describe('A case reference.'),
      actor: z.string().max(128).optional().describe('An Entra object id or an API key name.'),
      from: z.iso.datetime({ offset: true }).optional().describe('From this instant (inclusive).'),
      to: z.iso.datetime({ offset: true }).optional().describe('Before this instant.'),
      before: z.coerce.number().int().min(1).optional().describe('Entries older than this id: the `next` of the previous page.'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    responses: { 200: { description: '`entries` newest first, and `next` for the following page (null at the end).', schema: auditPageOut }, 400: invalid },
    async handle(request, deps) {
      const { subject, actor, from, to, before, limit } = request.query;
      const rows = await searchAudit(deps.db, { subject, actor, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined, before, limit: limit + 1 });
      const entries = rows.slice(0, limit);
      await audit(deps.db, { actor: request.caller, actorKind: 'api', action: 'audit.read', details: { subject: subject ?? null, actor: actor ?? null, entries: entries.length } });
      return {
        status: 200,
        body: {
          entries: entries.map((entry) => ({ ...entry, at: entry.at.toISOString(), actorName: entry.actorName ?? null, subjectType: entry.subjectType ?? null, subjectId: entry.subjectId ?? null, conversationId: entry.conversationId ?? null })),
          next: rows.length > limit ? entries.at(-1)!.id : null,
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/reports/monthly',
    requires: 'report',
    summary: 'The monthly missing-panel figures: children and episodes, RHIs offered and done, one row a month',
    description:
      'Calendar months in the service\'s time zone, an episode counted in the month it was reported; children placed here by other authorities left out (their RHI is the placing authority\'s). ' +
      'Percentages have two decimals; a month with nothing gives zeros. `Accept: text/csv` gives the same columns as CSV. At most 120 months.',
    query: z
      .object({ from: monthSchema.describe('First month, YYYY-MM.'), to: monthSchema.describe('Last month, YYYY-MM (inclusive).') })
      .superRefine((query, ctx) => {
        const months = monthsBetween(query.from, query.to);
        if (typeof months === 'string') ctx.addIssue({ code: 'custom', path: ['to'], message: months });
      }),
    responses: { 200: { description: '`months`: one row a month, oldest first (or CSV).' }, 400: invalid },
    async handle(request, deps) {
      const { from, to } = request.query;
      const months = await monthlyFigures(deps.db, from, to, deps.settings, deps.now());
      const csv = preferredType(request.accept, ['application/json', 'text/csv']) === 'text/csv';
      await audit(deps.db, { actor: request.caller, actorKind: 'api', action: 'report.disclosed', details: { report: 'monthly', from, to, format: csv ? 'csv' : 'json' } });
      if (csv) return { status: 200, contentType: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="missing-figures-${from}-to-${to}.csv"` }, body: monthlyCsv(months) };
      return { status: 200, body: { from, to, timeZone: deps.settings.timeZone, months } };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/imports',
    requires: 'record',
    summary: 'Import episodes from CSV (native format or the SSDA903 Missing table)',
    description:
      'A file with bad rows is rejected whole (400) with every bad row listed, unless `skipInvalid=true`. Importing the same file twice changes nothing.',
    bodyType: 'text/csv',
    body: z.string().trim().min(1, 'send the CSV file as the request body with Content-Type: text/csv').describe('The CSV file, with its header line.'),
    query: z.object({ skipInvalid: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Imported; the summary counts created, updated, unchanged and invalid rows.' }, 400: invalid },
    async handle(request, deps) {
      let summary: Awaited<ReturnType<typeof importEpisodesCsv>>;
      try {
        summary = await importEpisodesCsv(deps.db, request.body, { ...context(request, deps), actor: { name: request.caller, kind: 'import' } }, {
          skipInvalid: request.query.skipInvalid === 'true',
          timeZone: deps.settings.timeZone,
          // The embedded database has one connection, which the bot needs meanwhile.
          shareConnection: deps.db.driver === 'pglite',
        });
      } catch (error) {
        if (!(error instanceof CsvFormatError)) throw error;
        await audit(deps.db, { actor: request.caller, actorKind: 'import', action: 'import.rejected', subjectType: 'import', details: { reason: error.message } });
        return { status: 400, body: { error: `The file was not imported: ${error.message}`, errors: [{ path: error.line ? `line ${error.line}` : 'file', message: error.message }] } };
      }
      if (!summary.rejected) return { status: 200, body: summary };
      return {
        status: 400,
        body: {
          error: `The file was not imported: ${summary.invalid} of ${summary.rows} rows are not valid. Correct them, or send skipInvalid=true to import the rest.`,
          errors: summary.problems.map((problem) => ({ path: `line ${problem.line}${problem.column ? `.${problem.column}` : ''}`, message: problem.message })),
          // The summary's own list is bounded too; `invalid` counts every bad row.
          summary: { ...summary, problems: summary.problems.slice(0, MAX_PROBLEMS) },
        },
      };
    },
  }),
];
