import type { IncomingMessage } from 'node:http';
import type { FieldProblem } from '../domain/errors';

/**
 * Request bodies, read only after what can be checked without them (the key, the scope, the
 * encoding, the declared length), never decompressed, and never beyond the route's limit.
 */

/** Bot Framework activities: a card action with its inputs is a few kilobytes. */
export const ACTIVITY_MAX_BYTES = 256 * 1024;
/** JSON records for the API. */
export const JSON_MAX_BYTES = 64 * 1024;
/** A CSV import. */
export const CSV_MAX_BYTES = 20 * 1024 * 1024;
/** A 400 lists at most this many problems, then says how many more there were. */
export const MAX_PROBLEMS = 20;

export class BodyRefusal extends Error {
  constructor(
    readonly status: 400 | 411 | 413 | 415,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'BodyRefusal';
  }
}

const mediaType = (request: IncomingMessage) => (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** Refuses what the headers already show is not acceptable: an encoding, a type, a declared length. */
export function checkHeaders(request: IncomingMessage, accepts: readonly string[], maxBytes: number): void {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw new BodyRefusal(415, `Content-Encoding ${encoding.slice(0, 20)} is not accepted: send the body uncompressed.`);
  const type = mediaType(request);
  const hasBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !accepts.some((accepted) => type === accepted || (accepted === 'application/json' && type.endsWith('+json')))) {
    throw new BodyRefusal(415, `Send the body as ${accepts.join(' or ')}.`, [{ path: 'content-type', message: `was ${type.slice(0, 60) || 'not given'}` }]);
  }
  const length = Number(request.headers['content-length'] ?? 0);
  if (length > maxBytes) throw new BodyRefusal(413, `The body is larger than this route accepts (${Math.round(maxBytes / 1024)} KB).`);
}

/** Reads the body up to `maxBytes`; stops reading (and refuses) the moment it goes past. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error) => {
      request.removeAllListeners('data');
      request.resume(); // drain without keeping anything, so the answer can be sent
      reject(error);
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return fail(new BodyRefusal(413, `The body is larger than this route accepts (${Math.round(maxBytes / 1024)} KB).`));
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', fail);
  });
}

/** A NUL character is no part of any text this service keeps. */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 50 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNul(item, depth + 1));
}

export function parseJsonBody(buffer: Buffer): unknown {
  const text = buffer.toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyRefusal(400, 'The request body is not valid JSON.', [{ path: '', message: (error as Error).message.slice(0, 200) }]);
  }
  // JSON can hold a NUL only as the escape \u0000 (a raw control character is not valid JSON): a
  // text without that escape needs no walk through every value (a card's acknowledgement carries
  // hundreds of keys). With it (or with an escaped backslash before "u0000"), every value is looked at.
  if (text.includes('\\u0000') && hasNul(value)) throw new BodyRefusal(400, 'The request contains a NUL character (\\u0000), which no field accepts.', [{ path: '', message: 'contains \\u0000' }]);
  return value;
}

export function parseCsvBody(buffer: Buffer): string {
  if (buffer.includes(0)) throw new BodyRefusal(400, 'The file contains a NUL character, which no CSV cell accepts. Is it a spreadsheet rather than CSV?', [{ path: '', message: 'contains NUL' }]);
  return buffer.toString('utf8');
}

/** At most MAX_PROBLEMS problems, and a last line saying how many more there were. */
export function capProblems(problems: FieldProblem[]): FieldProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), { path: '', message: `and ${problems.length - MAX_PROBLEMS} more problems` }];
}
