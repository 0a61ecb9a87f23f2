/**
 * A failure the user can act on. The code says what kind (the edges map it to an HTTP status or an
 * error card); the message says what to fix.
 */
export type DomainErrorCode =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'overlapping_episode'
  | 'unauthorised'
  | 'forbidden';

export interface FieldProblem {
  path: string;
  message: string;
  /** The other record a clash is with (an episode's id), so a caller can name it in its own terms (a file's line). */
  otherId?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
