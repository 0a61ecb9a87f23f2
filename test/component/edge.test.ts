import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { RefusalLog } from '../../src/app/server';
import { API_KEY, call, startTestApp } from '../support/app';
import { postActivity, startConnector, teamsMessage, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';

/**
 * The HTTP edge under bad input (issue 8, items 1, 6, 11 and 15): each was reproduced from outside
 * and answered 500, a crash or a flood before it was fixed.
 */

const NOW = at('2026-06-09T06:00:00Z');

/** A raw request, so that headers and bodies can be exactly as an attacker sends them. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the HTTP edge under bad input', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  before(async () => {
    connector = await startConnector();
    app = await startTestApp({}, () => NOW);
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });
  const alive = async () => assert.equal((await call(`${app.url}/healthz`, { key: null })).status, 200, 'the service is still up');
  const episodes = async () => (await app.db.query<{ n: number }>('select count(*)::int as n from episodes'))[0]!.n;

  it('refuses a gzip body it will not decompress with 415, before reading it, and stays up (item 1)', async () => {
    for (const path of ['/api/messages', '/api/v1/episodes']) {
      const garbage = await raw(`${app.url}${path}`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${API_KEY}` }, body: 'x' });
      assert.equal(garbage.status, 415, path);
      assert.match(JSON.parse(garbage.text).error, /Content-Encoding gzip is not accepted/);
    }
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const answer = await raw(`${app.url}/api/messages`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    assert.equal(answer.status, 415);
    await alive();
  });

  it('refuses a body over the route’s limit with 413, by its declared length or as it streams (item 1)', async () => {
    const big = Buffer.alloc(300 * 1024, 'a');
    const declared = await raw(`${app.url}/api/messages`, { headers: { 'content-type': 'application/json', 'content-length': String(big.length) }, body: big });
    assert.equal(declared.status, 413);
    const streamed = await raw(`${app.url}/api/v1/episodes`, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${API_KEY}` }, body: `{"x":"${'a'.repeat(100 * 1024)}"}` });
    assert.equal(streamed.status, 413);
    await alive();
  });

  it('answers 401 to a caller without a key before reading its body (item 1)', async () => {
    const answer = await raw(`${app.url}/api/v1/imports`, { headers: { 'content-type': 'text/csv', 'content-length': String(30 * 1024 * 1024) }, body: 'child_ref\n' });
    assert.equal(answer.status, 401);
  });

  it('refuses a NUL character in any text with 400 and stores nothing (item 6)', async () => {
    const body = {
      child: { ref: 'NUL-1', givenName: 'Ad\u0000a', familyName: 'Sample', lookedAfter: false },
      kind: 'missing_from_home',
      reportedAt: '2026-06-08T21:15:00Z',
    };
    const api = await call(`${app.url}/api/v1/episodes`, { body });
    assert.equal(api.status, 400);
    assert.match(api.body.error, /NUL character/);
    const csv = await call(`${app.url}/api/v1/imports`, { raw: 'child_ref,given_name\nNUL-2,A\u0000\n', contentType: 'text/csv' });
    assert.equal(csv.status, 400);
    const activity = await postActivity(app.url, teamsMessage(connector.url, 'history TE\u0000ST'));
    assert.equal(activity.status, 400);
    assert.equal(await episodes(), 0);
  });

  it('answers a non-JSON body on a JSON route with 415, and caps the problems a 400 lists (item 15)', async () => {
    for (const type of ['application/xml', 'image/png']) {
      const answer = await raw(`${app.url}/api/v1/episodes`, { headers: { 'content-type': type, authorization: `Bearer ${API_KEY}` }, body: Buffer.alloc(10_000, 1) });
      assert.equal(answer.status, 415, type);
      assert.ok(answer.text.length < 500, `a short answer, not the body back: ${answer.text.length} bytes`);
    }
    const stray = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`extra${index}`, index]));
    const strayKeys = await call(`${app.url}/api/v1/episodes`, { body: { child: { ref: 'X-1' }, kind: 'missing_from_home', reportedAt: '2026-06-08T21:15:00Z', ...stray } });
    assert.equal(strayKeys.status, 400);
    assert.ok(JSON.stringify(strayKeys.body).length < 2_000, `${JSON.stringify(strayKeys.body).length} bytes for 500 stray keys`);
    assert.match(JSON.stringify(strayKeys.body.errors), /and 490 more/);
    const episodes = Array.from({ length: 50 }, () => 'not-an-id');
    const many = await call(`${app.url}/api/v1/return-interviews`, { body: { episodeIds: episodes } });
    assert.equal(many.status, 400);
    assert.equal(many.body.errors.length, 21, 'twenty problems and a count of the rest');
    assert.match(many.body.errors.at(-1).message, /^and \d+ more problems$/);
  });

  it('answers a card action without an action (value {}) with 400, posting nothing into the conversation (item 12)', async () => {
    const activity = { ...teamsMessage(connector.url, ''), type: 'invoke', name: 'adaptiveCard/action', value: {} };
    const answer = await postActivity(app.url, activity);
    assert.equal(answer.status, 400);
    assert.equal(connector.calls.length, 0);
  });

  it('answers an unreadable CSV file with 400 naming the line and what is wrong, never a cell, and audits it (items 5 and 14)', async () => {
    const header = 'child_ref,given_name,family_name,date_of_birth,looked_after,placing_authority,episode_kind,reported_at,returned_at,risk_grade,police_ref,rhi_ref,rhi_offered_at,rhi_outcome,rhi_completed_at';
    const files: [string, RegExp][] = [
      ['name,age\nZelda Secretname,12\n', /Unrecognised CSV header/],
      [`${header}\nCSV-1,"Zelda Secretname,Example,2011-05-01,N,,home,2026-06-08T20:00,,high,,,,,\n`, /line \d+: a quoted cell is never closed/],
      [`${header}\nCSV-1,Zelda Secretname,Example\n`, /line 2: the row has a different number of cells from the header/],
      [`${header}\nCSV-1,Zelda,Example,2011-05-01,N,,Zelda Secretname,2026-06-08T20:00,,high,,,,,\n`, /line 2\.episode_kind.*is not one of home, care, away/],
    ];
    for (const [file, expected] of files) {
      const answer = await call(`${app.url}/api/v1/imports`, { raw: file, contentType: 'text/csv' });
      assert.equal(answer.status, 400, file);
      assert.match(JSON.stringify(answer.body), expected);
      assert.ok(!JSON.stringify(answer.body).includes('Secretname'), `a cell was repeated back: ${JSON.stringify(answer.body)}`);
    }
    const audited = await app.db.query(`select 1 from audit_log where action = 'import.rejected'`);
    assert.equal(audited.length, files.length);
    assert.equal(await episodes(), 0);
  });

  it('tries a turn’s reply once, leaving retries to the sender, instead of holding the request (item 13)', async () => {
    connector.calls.length = 0;
    const respond = connector.respond;
    connector.respond = () => ({ status: 503, body: {} });
    try {
      await postActivity(app.url, teamsMessage(connector.url, 'help'));
    } finally {
      connector.respond = respond;
    }
    const helpCards = connector.calls.filter((call) => call.method === 'POST' && call.body?.attachments?.length);
    assert.equal(helpCards.length, 1, 'the connector client’s own retry policy (4 tries) is gone');
  });

  it('in local mode refuses an activity whose serviceUrl is not on this machine, sending nothing there (item 13)', async () => {
    const answer = await postActivity(app.url, teamsMessage('http://192.0.2.10/connector', 'help'));
    assert.equal(answer.status, 403);
    assert.match(answer.body.error, /local mode/);
  });

  it('answers 400 for a body that is not JSON at all, on both routes', async () => {
    const api = await raw(`${app.url}/api/v1/episodes`, { headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: '{"child":' });
    assert.equal(api.status, 400);
    const bot = await raw(`${app.url}/api/messages`, { headers: { 'content-type': 'application/json' }, body: 'not json' });
    assert.equal(bot.status, 400);
  });
});

describe('forged Bot Framework tokens (item 11)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  before(async () => {
    connector = await startConnector();
    // A real app id switches Bot Framework authentication on; its signing keys cannot be fetched from here.
    app = await startTestApp({ MicrosoftAppId: '99999999-1111-4222-8333-444444444444', MicrosoftAppPassword: 'not-a-real-secret' }, () => NOW);
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });

  /** A well-formed JWT signed by a key nobody trusts. */
  function forgedToken(): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: 'forged' })}.${part({ iss: 'https://api.botframework.com', aud: '99999999-1111-4222-8333-444444444444', exp: Math.floor(Date.now() / 1000) + 600, nbf: Math.floor(Date.now() / 1000) - 60 })}`;
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
  }

  it('answers 401 for a token that is not a JWT, and 401 or 503 for a forged one, with no internal detail', async () => {
    const activity = JSON.stringify(teamsMessage(connector.url, 'help'));
    const garbage = await raw(`${app.url}/api/messages`, { headers: { 'content-type': 'application/json', authorization: 'Bearer garbage' }, body: activity });
    assert.equal(garbage.status, 401);
    const forged = await raw(`${app.url}/api/messages`, { headers: { 'content-type': 'application/json', authorization: `Bearer ${forgedToken()}` }, body: activity });
    assert.ok([401, 503].includes(forged.status), `status ${forged.status}: ${forged.text}`);
    if (forged.status === 503) assert.equal(forged.headers['retry-after'], '30');
    for (const answer of [garbage, forged]) assert.ok(!/ENOTFOUND|getaddrinfo|botframework\.com|at .*\.js/.test(answer.text), answer.text);
    assert.equal(connector.calls.length, 0, 'nothing was run');
  });
});

describe('implausible values (item 7)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({}, () => NOW);
  });
  after(async () => app.stop());

  const report = ({ child, ...overrides }: Record<string, unknown>) => ({ kind: 'missing_from_home', reportedAt: '2026-06-08T21:15:00Z', ...overrides, child: { ref: 'PL-1', lookedAfter: false, ...(child as object) } });

  it('refuses a report in year 0001, a birth in 2099 or 76 years ago, and a list for 0000-01-01, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ reportedAt: '0001-01-01T00:00:00Z' }, 'reportedAt'],
      [{ child: { dateOfBirth: '2099-01-01' } }, 'child.dateOfBirth'],
      [{ child: { dateOfBirth: '1950-06-01' } }, 'child.dateOfBirth'],
    ];
    for (const [overrides, path] of cases) {
      const answer = await call(`${app.url}/api/v1/episodes`, { body: report(overrides) });
      assert.equal(answer.status, 400, JSON.stringify(overrides));
      assert.ok(answer.body.errors.some((error: { path: string }) => error.path === path), JSON.stringify(answer.body));
    }
    const list = await call(`${app.url}/api/v1/daily-list?date=0000-01-01`);
    assert.equal(list.status, 400);
    assert.match(list.body.errors[0].message, /must be between 2000 and 2100/);
    assert.equal((await app.db.query('select 1 from episodes')).length, 0);
  });

  it('refuses an implausible time in an imported row, as the API does', async () => {
    const header = 'child_ref,given_name,family_name,date_of_birth,looked_after,placing_authority,episode_kind,reported_at,returned_at,risk_grade,police_ref,rhi_ref,rhi_offered_at,rhi_outcome,rhi_completed_at';
    const answer = await call(`${app.url}/api/v1/imports`, { raw: `${header}\nPL-2,Kit,Example,2012-01-01,N,,home,0001-01-01T00:00,,high,,,,,\n`, contentType: 'text/csv' });
    assert.equal(answer.status, 400);
    assert.match(JSON.stringify(answer.body.errors), /line 2.*must be between 2000 and 2100/);
  });
});

describe('refused API keys in the log (item 14)', () => {
  it('warns once a minute per address, with the count since, and never the key', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const app = await startTestApp({}, () => NOW, { logger });
    try {
      for (let index = 0; index < 5; index++) assert.equal((await call(`${app.url}/api/v1/episodes`, { body: {}, key: `guess-${index}-0123456789abcdef` })).status, 401);
      const warnings = lines.filter((line) => line.msg === 'API request without a valid key refused');
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]!.address), /127\.0\.0\.1/);
      assert.ok(!JSON.stringify(lines).includes('guess-'), 'no key in the log');
    } finally {
      await app.stop();
    }
  });

  it('counts the refusals between warnings', () => {
    const lines: Record<string, unknown>[] = [];
    let now = 0;
    const log = new RefusalLog(pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), () => now);
    for (let index = 0; index < 4; index++) log.note('192.0.2.1');
    now = 61_000;
    log.note('192.0.2.1');
    assert.deepEqual(lines.map((line) => line.refusedSinceLastWarning), [0, 3]);
  });
});

