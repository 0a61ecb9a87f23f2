import assert from 'node:assert/strict';
import { call, startTestApp } from '../support/app';
import { at } from '../support/fixtures';

/** API keys with scopes, the audit you can read, and reads of children's details audited. */

const NOW = at('2026-06-09T06:00:00Z');
const RECORD_KEY = 'record-key-0123456789abcdef';
const READ_KEY = 'read-key-0123456789abcdef';
const AUDIT_KEY = 'audit-key-0123456789abcdef';
const PLAIN_KEY = 'plain-key-0123456789abcdef';

const missing = (ref: string, policeRef: string) => ({
  child: { ref, givenName: 'Ada', familyName: 'Sample', dateOfBirth: '2011-05-01', lookedAfter: false },
  kind: 'missing_from_home',
  reportedAt: '2026-06-08T21:15:00+01:00',
  riskGrade: 'high',
  policeRef,
});

describe('API keys with scopes, and the audit over HTTP', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ INGEST_API_KEYS: `case-system:${RECORD_KEY}:record,dashboard:${READ_KEY}:read,auditor:${AUDIT_KEY}:audit+read,legacy:${PLAIN_KEY}` }, () => NOW);
  });
  after(async () => app.stop());
  beforeEach(async () => app.db.exec('truncate audit_log, return_interview_episodes, return_interviews, episode_history, episodes, children restart identity cascade'));

  const count = async (table: string) => (await app.db.query<{ count: number }>(`select count(*)::int as count from ${table}`))[0]!.count;

  it('answers 403 naming the missing scope, stores nothing and audits the refusal', async () => {
    const answer = await call(`${app.url}/api/v1/episodes`, { body: missing('API-S1', 'POL-S1'), key: READ_KEY });
    assert.equal(answer.status, 403);
    assert.match(answer.body.error, /needs the record scope \(it has read\)/);
    assert.deepEqual(answer.body.errors, [{ path: 'scope', message: 'missing record' }]);
    assert.equal(await count('episodes'), 0);
    const [refusal] = await app.db.query<{ actor: string; details: Record<string, string> }>(`select actor, details from audit_log where action = 'api.refused'`);
    assert.deepEqual([refusal!.actor, refusal!.details.reason], ['dashboard', 'missing scope record']);
    const list = await call(`${app.url}/api/v1/daily-list?date=2026-06-09`, { key: RECORD_KEY });
    assert.equal(list.status, 403);
    assert.match(list.body.error, /needs the read scope/);
    const audit = await call(`${app.url}/api/v1/audit`, { key: PLAIN_KEY });
    assert.equal(audit.status, 403, 'a key without scopes keeps record and read, not audit');
  });

  it('lets a key without scopes record and read as before', async () => {
    assert.equal((await call(`${app.url}/api/v1/episodes`, { body: missing('API-S2', 'POL-S2'), key: PLAIN_KEY })).status, 201);
    assert.equal((await call(`${app.url}/api/v1/daily-list?date=2026-06-09`, { key: PLAIN_KEY })).status, 200);
  });

  it('audits every read of the daily list, with the key that read it', async () => {
    await call(`${app.url}/api/v1/daily-list?date=2026-06-09`, { key: READ_KEY });
    const rows = await app.db.query<{ actor: string; actor_kind: string; details: Record<string, string> }>(`select actor, actor_kind, details from audit_log where action = 'list.disclosed'`);
    assert.deepEqual(rows.map((row) => [row.actor, row.actor_kind, row.details.listDate]), [['dashboard', 'api', '2026-06-09']]);
  });

  it('reads the audit by subject, actor and time, newest first, paged, with no child’s name, and audits the reading', async () => {
    for (let index = 1; index <= 3; index++) await call(`${app.url}/api/v1/episodes`, { body: missing(`API-A${index}`, `POL-A${index}`), key: RECORD_KEY });
    await call(`${app.url}/api/v1/daily-list?date=2026-06-09`, { key: READ_KEY });
    const first = await call(`${app.url}/api/v1/audit?limit=2`, { key: AUDIT_KEY });
    assert.equal(first.status, 200);
    assert.equal(first.body.entries.length, 2);
    assert.equal(first.body.entries[0].action, 'list.disclosed', 'newest first');
    assert.ok(first.body.next > 0);
    const second = await call(`${app.url}/api/v1/audit?limit=2&before=${first.body.next}`, { key: AUDIT_KEY });
    assert.ok(second.body.entries.every((entry: { id: number }) => entry.id < first.body.next));
    const bySubject = await call(`${app.url}/api/v1/audit?subject=API-A2`, { key: AUDIT_KEY });
    assert.ok(bySubject.body.entries.length >= 1);
    assert.ok(bySubject.body.entries.every((entry: { details: { childRef?: string } }) => entry.details.childRef === 'API-A2'), JSON.stringify(bySubject.body.entries));
    const byActor = await call(`${app.url}/api/v1/audit?actor=dashboard`, { key: AUDIT_KEY });
    assert.deepEqual(byActor.body.entries.map((entry: { action: string }) => entry.action), ['list.disclosed']);
    const none = await call(`${app.url}/api/v1/audit?from=2030-01-01T00:00:00Z`, { key: AUDIT_KEY });
    assert.deepEqual([none.body.entries, none.body.next], [[], null]);
    const everything = JSON.stringify((await call(`${app.url}/api/v1/audit?limit=200`, { key: AUDIT_KEY })).body);
    assert.ok(!/Ada|Sample/.test(everything), 'no child’s name in the audit');
    assert.ok((await count('audit_log')) > 0);
    const reads = await app.db.query<{ actor: string }>(`select actor from audit_log where action = 'audit.read'`);
    assert.equal(reads.length, 6);
    assert.ok(reads.every((row) => row.actor === 'auditor'));
  });

  it('refuses a bad audit query with 400 naming the parameter', async () => {
    const answer = await call(`${app.url}/api/v1/audit?limit=5000&from=yesterday`, { key: AUDIT_KEY });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body.errors.map((error: { path: string }) => error.path).sort(), ['from', 'limit']);
  });
});
