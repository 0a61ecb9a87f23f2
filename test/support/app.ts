import pino from 'pino';
import { startApp, type RunningApp, type StartOptions } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { openPglite } from '../../src/store/db';

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_KEY = 'police-key-0123456789abcdef';

/** The real service on a free loopback port, with an in-memory PGlite and a fixed clock. */
export async function startTestApp(env: Record<string, string> = {}, now: () => Date = () => new Date(), options: StartOptions = {}): Promise<RunningApp & { url: string }> {
  const config = loadConfig({
    PORT: '0',
    DEMO_DATA: 'false',
    INGEST_API_KEYS: `case-system:${API_KEY},police-system:${OTHER_KEY}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await startApp(config, { now, logger: pino({ level: 'silent' }), ...options, db: options.db ?? (await openPglite()) });
  const stop = app.stop;
  return {
    ...app,
    url: `http://127.0.0.1:${app.port}`,
    async stop() {
      await stop();
      await app.db.close();
    },
  };
}

export interface JsonAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(url: string, init: { method?: string; body?: unknown; key?: string | null; contentType?: string; raw?: string; accept?: string } = {}): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = {};
  if (init.accept) headers.accept = init.accept;
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? API_KEY}`;
  let body: string | undefined;
  if (init.raw !== undefined) {
    body = init.raw;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  // Anything but JSON (a CSV report) comes back as its text.
  const json = !response.headers.get('content-type') || response.headers.get('content-type')!.includes('json');
  return { status: response.status, body: text ? (json ? JSON.parse(text) : text) : undefined, headers: response.headers };
}
