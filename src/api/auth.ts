import { createHash, timingSafeEqual } from 'node:crypto';

import type { ApiScope } from '../config';

export interface IngestKey {
  name: string;
  key: string;
  scopes: ApiScope[];
}

/** Who called: the key's name (recorded in the audit log) and what it may do. */
export interface ApiCaller {
  name: string;
  scopes: ApiScope[];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Finds the caller named by a `Bearer` key. Keys are compared as SHA-256 digests in constant time, and
 * every key is compared, so neither the length nor the position of a match leaks through timing.
 */
export function authenticate(authorization: string | undefined, keys: IngestKey[]): ApiCaller | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const offered = digest(match[1]!);
  let caller: ApiCaller | null = null;
  for (const { name, key, scopes } of keys) {
    if (timingSafeEqual(offered, digest(key)) && caller === null) caller = { name, scopes };
  }
  return caller;
}
