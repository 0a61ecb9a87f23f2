import { ZodError } from 'zod';
import { isDomainError, type DomainErrorCode, type FieldProblem } from '../domain/errors';

/** How a failure reads over HTTP: a status and `{ error, errors: [{path, message}] }`. */
export interface HttpFailure {
  status: number;
  body: { error: string; errors: FieldProblem[] };
}

const STATUS: Record<DomainErrorCode, number> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  overlapping_episode: 409,
  unauthorised: 401,
  forbidden: 403,
};

export function zodProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** Maps a thrown error onto an answer; anything unexpected is a 500 that says nothing of the data. */
export function toHttpFailure(error: unknown): HttpFailure {
  if (error instanceof ZodError) return { status: 400, body: { error: 'The request is not valid.', errors: zodProblems(error) } };
  if (isDomainError(error)) return { status: STATUS[error.code], body: { error: error.message, errors: error.problems } };
  return { status: 500, body: { error: 'Something went wrong on our side; nothing was stored. Try again, and tell the support team if it persists.', errors: [] } };
}
