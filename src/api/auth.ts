import { createHash, timingSafeEqual } from 'node:crypto';

export interface IngestKey {
  name: string;
  key: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Finds the caller named by a `Bearer` key. Keys are compared as SHA-256 digests in constant time, and
 * every key is compared, so neither the length nor the position of a match leaks through timing.
 */
export function authenticate(authorization: string | undefined, keys: IngestKey[]): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const offered = digest(match[1]!);
  let caller: string | null = null;
  for (const { name, key } of keys) {
    if (timingSafeEqual(offered, digest(key)) && caller === null) caller = name;
  }
  return caller;
}
