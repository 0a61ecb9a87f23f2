import { TZDate } from '@date-fns/tz';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { atLocalTime } from '../domain/calendar';
import { EVENT_DATE_MESSAGE, isPlausibleEventDate } from '../domain/plausible';
import { RHI_OUTCOMES, RHI_PROVIDERS, RISK_GRADES, type EpisodeKind, type RhiProvider } from '../domain/types';

/**
 * Reads a CSV file of episodes into import rows. Two formats, told apart by their header: the native
 * one (one row per episode, RHIs joined by rhi_ref) and the DfE SSDA903 "Missing" table.
 */

export const NATIVE_COLUMNS = [
  'child_ref',
  'given_name',
  'family_name',
  'date_of_birth',
  'looked_after',
  'placing_authority',
  'episode_kind',
  'reported_at',
  'returned_at',
  'risk_grade',
  'police_ref',
  'rhi_ref',
  'rhi_offered_at',
  'rhi_outcome',
  'rhi_completed_at',
] as const;

/** Columns the native format reads when they are present: files written before them still import. */
export const NATIVE_OPTIONAL_COLUMNS = ['rhi_provider'] as const;

export const SSDA903_COLUMNS = ['CHILD', 'DOB', 'MISSING', 'MIS_START', 'MIS_END'] as const;

export type CsvFormat = 'native' | 'ssda903';

export interface ImportRow {
  /** The line in the file (the header is line 1). */
  line: number;
  child: {
    ref: string;
    givenName: string | null;
    familyName: string | null;
    dateOfBirth: string | null;
    lookedAfter: boolean;
    placingAuthority: string | null;
  };
  kind: EpisodeKind;
  reportedAt: Date;
  returnedAt: Date | null;
  riskGrade: (typeof RISK_GRADES)[number] | null;
  policeRef: string | null;
  rhi: { ref: string; offeredAt: Date | null; outcome: (typeof RHI_OUTCOMES)[number] | null; completedAt: Date | null; provider: RhiProvider | null } | null;
}

export interface RowProblem {
  line: number;
  column: string;
  message: string;
}

export interface ParsedFile {
  format: CsvFormat;
  rows: ImportRow[];
  problems: RowProblem[];
}

/** The file as a whole cannot be read (its header, or its CSV): nothing is imported. */
export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO 8601 time; without an offset it is a wall-clock time in `timeZone`. A wall-clock time that
 * does not exist (inside the spring-forward gap) is refused rather than silently moved.
 */
export function parseTime(value: string, timeZone: string): Date | string {
  if ((WITH_OFFSET.test(value) || LOCAL_TIME.test(value)) && !isPlausibleEventDate(value)) return EVENT_DATE_MESSAGE;
  if (WITH_OFFSET.test(value)) {
    const date = new Date(value.replace(' ', 'T'));
    return Number.isNaN(date.getTime()) ? 'is not a valid date-time' : date;
  }
  const match = LOCAL_TIME.exec(value);
  if (!match) return 'must be an ISO 8601 date-time, e.g. 2026-03-01T14:05 (local) or 2026-03-01T14:05:00Z';
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const local = new TZDate(year!, month! - 1, day!, hour!, minute!, second!, timeZone);
  if (local.getFullYear() !== year || local.getMonth() !== month! - 1 || local.getDate() !== day || local.getHours() !== hour || local.getMinutes() !== minute) {
    return `does not exist in ${timeZone} (the clocks went forward then, or the date is invalid)`;
  }
  return new Date(local.getTime());
}

/** A calendar date as YYYY-MM-DD: made once (zod builds a schema at each call of `z.iso.date()`, a few objects for every row read). */
const ISO_DATE = z.iso.date();

function parseUkDate(value: string): string | null {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (!match) return null;
  const iso = `${match[3]}-${match[2]}-${match[1]}`;
  return ISO_DATE.safeParse(iso).success ? iso : null;
}

const NATIVE_KINDS: Record<string, EpisodeKind> = { home: 'missing_from_home', care: 'missing_from_care', away: 'away_without_authorisation' };
const SSDA903_KINDS: Record<string, EpisodeKind> = { M: 'missing_from_care', A: 'away_without_authorisation' };

export function detectFormat(header: string[]): CsvFormat {
  const names = new Set(header.map((name) => name.trim()));
  if (NATIVE_COLUMNS.every((column) => names.has(column))) return 'native';
  if (SSDA903_COLUMNS.every((column) => names.has(column))) return 'ssda903';
  const missingNative = NATIVE_COLUMNS.filter((column) => !names.has(column));
  throw new CsvFormatError(
    `Unrecognised CSV header. The native format needs ${NATIVE_COLUMNS.join(',')} (missing here: ${missingNative.join(', ')}); ` +
      `the SSDA903 Missing table needs ${SSDA903_COLUMNS.join(',')}.`,
  );
}

/** A list of allowed values as a table of themselves, for `oneOf`. */
const tableOf = <T extends string>(allowed: readonly T[]): Record<string, T> => Object.fromEntries(allowed.map((item) => [item, item])) as Record<string, T>;
/** The cells `oneOf` accepts, each table made once rather than for every cell read. */
const LOOKED_AFTER = { Y: 'Y', N: 'N', y: 'Y', n: 'N' } as const;
const RISK_GRADE_CELLS = tableOf(RISK_GRADES);
const RHI_OUTCOME_CELLS = tableOf(RHI_OUTCOMES);
const RHI_PROVIDER_CELLS = tableOf(RHI_PROVIDERS);

/** Collects the problems of one row while reading its cells. */
class RowReader {
  readonly problems: RowProblem[] = [];
  constructor(
    private readonly record: Record<string, string>,
    readonly line: number,
    private readonly timeZone: string,
  ) {}

  text(column: string, options: { required?: boolean; max?: number } = {}): string | null {
    const value = (this.record[column] ?? '').trim();
    if (!value) {
      if (options.required) this.problem(column, 'is required');
      return null;
    }
    if (value.length > (options.max ?? 120)) this.problem(column, `is longer than ${options.max ?? 120} characters`);
    return value;
  }

  oneOf<T extends string>(column: string, table: Readonly<Record<string, T>>, options: { required?: boolean } = {}): T | null {
    const value = this.text(column, options);
    if (value === null) return null;
    const found = table[value] ?? table[value.toLowerCase()];
    // The cell is not repeated back: a misplaced column may hold a name.
    if (!found) this.problem(column, `is not one of ${Object.keys(table).join(', ')}`);
    return found ?? null;
  }

  time(column: string, options: { required?: boolean } = {}): Date | null {
    const value = this.text(column, options);
    if (value === null) return null;
    const parsed = parseTime(value, this.timeZone);
    if (typeof parsed === 'string') {
      this.problem(column, parsed);
      return null;
    }
    return parsed;
  }

  problem(column: string, message: string): void {
    this.problems.push({ line: this.line, column, message });
  }
}

function nativeRow(reader: RowReader): ImportRow | null {
  const ref = reader.text('child_ref', { required: true, max: 64 });
  const dateOfBirth = reader.text('date_of_birth');
  if (dateOfBirth && !ISO_DATE.safeParse(dateOfBirth).success) reader.problem('date_of_birth', 'must be YYYY-MM-DD');
  const lookedAfter = reader.oneOf('looked_after', LOOKED_AFTER, { required: true });
  const kind = reader.oneOf('episode_kind', NATIVE_KINDS, { required: true });
  const reportedAt = reader.time('reported_at', { required: true });
  const returnedAt = reader.time('returned_at');
  const rhiRef = reader.text('rhi_ref', { max: 64 });
  const rhi = {
    offeredAt: reader.time('rhi_offered_at'),
    outcome: reader.oneOf('rhi_outcome', RHI_OUTCOME_CELLS),
    completedAt: reader.time('rhi_completed_at'),
    provider: reader.oneOf('rhi_provider', RHI_PROVIDER_CELLS),
  };
  if (!rhiRef && (rhi.offeredAt || rhi.outcome || rhi.completedAt || rhi.provider)) reader.problem('rhi_ref', 'is required when the row has RHI details');
  if (rhiRef && !returnedAt) reader.problem('returned_at', 'is required for a row with an RHI (an RHI follows a return)');
  if (kind && kind !== 'missing_from_home' && lookedAfter === 'N') reader.problem('episode_kind', 'care and away apply to a looked-after child (looked_after Y)');
  if (reportedAt && returnedAt && returnedAt < reportedAt) reader.problem('returned_at', 'is before reported_at');
  const placingAuthority = reader.text('placing_authority');
  if (placingAuthority && lookedAfter === 'N') reader.problem('placing_authority', 'applies to a looked-after child only');
  if (reader.problems.length > 0) return null;
  return {
    line: reader.line,
    child: {
      ref: ref!,
      givenName: reader.text('given_name', { max: 100 }),
      familyName: reader.text('family_name', { max: 100 }),
      dateOfBirth,
      lookedAfter: lookedAfter === 'Y',
      placingAuthority,
    },
    kind: kind!,
    reportedAt: reportedAt!,
    returnedAt,
    riskGrade: reader.oneOf('risk_grade', RISK_GRADE_CELLS),
    policeRef: reader.text('police_ref', { max: 64 }),
    rhi: rhiRef ? { ref: rhiRef, ...rhi } : null,
  };
}

/** Midnights already worked out: a file's days repeat, and finding a zone's offset is slow (Intl). */
const midnights = new Map<string, number>();

/** Local midnight of a date (YYYY-MM-DD) in the zone. */
function midnight(date: string, timeZone: string): Date {
  const key = `${timeZone} ${date}`;
  let time = midnights.get(key);
  if (time === undefined) {
    time = atLocalTime(date, '00:00', timeZone).getTime();
    if (midnights.size >= 50_000) midnights.clear(); // about 130 years of days: bounded all the same
    midnights.set(key, time);
  }
  return new Date(time);
}

/** SSDA903 gives dates only: the episode runs from local midnight of MIS_START to local midnight of MIS_END. */
function ssda903Row(reader: RowReader, timeZone: string): ImportRow | null {
  const ref = reader.text('CHILD', { required: true, max: 64 });
  const day = (column: string, required: boolean) => {
    const value = reader.text(column, { required });
    if (value === null) return null;
    const iso = parseUkDate(value);
    if (!iso) reader.problem(column, 'must be a date as dd/mm/yyyy');
    return iso;
  };
  const dateOfBirth = day('DOB', false);
  const kind = reader.oneOf('MISSING', SSDA903_KINDS, { required: true });
  const start = day('MIS_START', true);
  const end = day('MIS_END', false);
  if (start && end && end < start) reader.problem('MIS_END', 'is before MIS_START');
  if (reader.problems.length > 0) return null;
  return {
    line: reader.line,
    child: { ref: ref!, givenName: null, familyName: null, dateOfBirth, lookedAfter: true, placingAuthority: null },
    kind: kind!,
    reportedAt: midnight(start!, timeZone),
    returnedAt: end ? midnight(end, timeZone) : null,
    riskGrade: null,
    policeRef: null,
    rhi: null,
  };
}

/** What csv-parse found wrong, in words and with its line: never the cell itself (it may be a child's name). */
const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  CSV_INVALID_OPENING_QUOTE: 'a quote opens in the middle of a cell',
  CSV_INVALID_CLOSING_QUOTE: 'a quote closes in the middle of a cell',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'the row has a different number of cells from the header',
  CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH: 'the row has a different number of cells from the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'the row has a different number of cells from the header',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'something follows a closing quote in the same cell',
  CSV_MAX_RECORD_SIZE: 'a row is too long',
};

function csvFormatError(error: unknown): CsvFormatError {
  const { code, lines } = error as { code?: string; lines?: number };
  const what = CSV_PROBLEMS[code ?? ''] ?? 'it cannot be read as comma-separated values';
  return new CsvFormatError(`The file is not valid CSV${lines ? ` at line ${lines}` : ''}: ${what}.`, lines ?? null);
}

/** A row longer than this is refused as a whole file problem: no episode needs it. */
export const MAX_RECORD_CHARS = 16 * 1024;

/** One line of the file read: its row when it is good, else the problems found on it. */
export interface ReadLine {
  line: number;
  row: ImportRow | null;
  problems: RowProblem[];
}

export interface EpisodeReader {
  /** Known once the header has been read. */
  readonly format: CsvFormat | null;
  /** Bytes of the file read so far (for progress). */
  readonly bytes: number;
  lines(): AsyncGenerator<ReadLine>;
}

/**
 * Reads a CSV file of episodes as it arrives (csv-parse's stream API): only the row being read is
 * held, so a file of any length reads in the same memory.
 */
export function readEpisodes(source: Readable, timeZone: string): EpisodeReader {
  let format: CsvFormat | null = null;
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    max_record_size: MAX_RECORD_CHARS,
    columns: (names: string[]) => {
      const header = names.map((name) => name.trim());
      format = detectFormat(header);
      return header;
    },
  });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  return {
    get format() {
      return format;
    },
    get bytes() {
      return parser.info.bytes;
    },
    async *lines() {
      try {
        for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          const reader = new RowReader(record, info.lines, timeZone);
          const row = format === 'native' ? nativeRow(reader) : ssda903Row(reader, timeZone);
          yield { line: info.lines, row, problems: reader.problems };
        }
      } catch (error) {
        if (error instanceof CsvFormatError) throw error;
        const cause = (error as { cause?: unknown }).cause;
        throw cause instanceof CsvFormatError ? cause : csvFormatError(error);
      }
      if (format === null) throw new CsvFormatError('The file is empty: it needs a header line and one row per episode.');
    },
  };
}
