import { ZodError } from 'zod';
import { DatabaseUnavailable } from '../store/db';
import { isDomainError, type DomainErrorCode, type FieldProblem } from '../domain/errors';

/** How a failure reads over HTTP: a status and `{ error, errors: [{path, message}] }`. */
export interface HttpFailure {
  status: number;
  body: { error: string; errors: FieldProblem[] };
  headers?: Record<string, string>;
}

/** How long a caller should wait before trying again when the database is not answering. */
export const RETRY_AFTER_SECONDS = 5;

const STATUS: Record<DomainErrorCode, number> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  overlapping_episode: 409,
  unauthorised: 401,
  forbidden: 403,
};

/** Keys an "unrecognised keys" problem names before it counts the rest. */
const KEYS_NAMED = 10;

/** Each problem in a sentence of bounded length: a body with thousands of stray keys does not come back whole. */
export function zodProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const message =
      issue.code === 'unrecognized_keys' && issue.keys.length > KEYS_NAMED
        ? `Unrecognized keys: ${issue.keys.slice(0, KEYS_NAMED).map((key) => JSON.stringify(key.slice(0, 40))).join(', ')} and ${issue.keys.length - KEYS_NAMED} more`
        : issue.message.slice(0, 300);
    return { path: issue.path.join('.').slice(0, 200), message };
  });
}

/** Maps a thrown error onto an answer; anything unexpected is a 500 that says nothing of the data. */
export function toHttpFailure(error: unknown): HttpFailure {
  if (error instanceof ZodError) return { status: 400, body: { error: 'The request is not valid.', errors: zodProblems(error) } };
  if (isDomainError(error)) return { status: STATUS[error.code], body: { error: error.message, errors: error.problems } };
  if (error instanceof DatabaseUnavailable) {
    return { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, body: { error: 'The database is not answering just now; nothing was stored. Try again shortly.', errors: [] } };
  }
  return { status: 500, body: { error: 'Something went wrong on our side; nothing was stored. Try again, and tell the support team if it persists.', errors: [] } };
}
