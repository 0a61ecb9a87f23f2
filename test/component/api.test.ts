import assert from 'node:assert/strict';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import { SHARED_IMPORT_MAX_ROWS } from '../../src/import/importer';
import { auditEntries } from '../../src/store/repositories';
import { call, OTHER_KEY, startTestApp } from '../support/app';
import { at } from '../support/fixtures';

const NOW = at('2026-06-09T06:00:00Z'); // Tuesday 07:00 BST

const missing = (overrides: Record<string, unknown> = {}) => ({
  child: { ref: 'API-1', givenName: 'Ada', familyName: 'Sample', dateOfBirth: '2011-05-01', lookedAfter: false, school: 'Example Academy' },
  kind: 'missing_from_home',
  reportedAt: '2026-06-08T21:15:00+01:00',
  riskGrade: 'high',
  policeRef: 'POL-API-1',
  lastSeen: 'Bus station',
  exploitationConcerns: ['cce'],
  ...overrides,
});

describe('the recording API over HTTP', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({}, () => NOW);
  });
  after(async () => app.stop());
  beforeEach(async () => app.db.exec('truncate audit_log, return_interview_episodes, return_interviews, episode_history, episodes, children restart identity cascade'));

  const count = async (table: string) => (await app.db.query<{ count: number }>(`select count(*)::int as count from ${table}`))[0]!.count;

  it('answers /healthz when the database answers', async () => {
    const answer = await call(`${app.url}/healthz`, { key: null });
    assert.deepEqual([answer.status, answer.body], [200, { status: 'ok', database: 'pglite' }]);
  });

  it('refuses a missing or wrong key with 401 and stores nothing', async () => {
    for (const key of [null, 'wrong-key-0123456789abcdef']) {
      const answer = await call(`${app.url}/api/v1/episodes`, { body: missing(), key });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal(await count('episodes'), 0);
  });

  it('reports a child missing: 201 with the episode, then 200 with the same one', async () => {
    const first = await call(`${app.url}/api/v1/episodes`, { body: missing() });
    assert.equal(first.status, 201);
    assert.match(first.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(first.body.childRef, 'API-1');
    assert.equal(first.body.reportedAt, '2026-06-08T20:15:00.000Z');
    const again = await call(`${app.url}/api/v1/episodes`, { body: missing() });
    assert.deepEqual([again.status, again.body.id], [200, first.body.id]);
    assert.equal(await count('episodes'), 1);
    const audit = await auditEntries(app.db, { action: 'episode.reported' });
    assert.equal(audit[0]?.actor, 'case-system', 'the key name is the audited source');
  });

  it('answers 400 with every problem as {path, message} and stores nothing', async () => {
    const answer = await call(`${app.url}/api/v1/episodes`, {
      body: missing({ kind: 'lost', reportedAt: 'yesterday', riskGrade: 'severe', child: { ref: '', surprise: true } }),
    });
    assert.equal(answer.status, 400);
    const paths = [...new Set(answer.body.errors.map((error: { path: string }) => error.path))].sort();
    assert.deepEqual(paths, ['child', 'child.ref', 'kind', 'reportedAt', 'riskGrade'].sort());
    for (const error of answer.body.errors) assert.ok(error.message.length > 0);
    assert.equal(await count('children'), 0);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const answer = await call(`${app.url}/api/v1/episodes`, { raw: '{"child": ' });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error, /not valid JSON/);
  });

  it('answers 409 for an overlapping episode and 404 for an unknown one', async () => {
    await call(`${app.url}/api/v1/episodes`, { body: missing() });
    const overlap = await call(`${app.url}/api/v1/episodes`, { body: missing({ policeRef: 'POL-API-2', reportedAt: '2026-06-09T01:00:00Z' }) });
    assert.equal(overlap.status, 409);
    const unknown = await call(`${app.url}/api/v1/episodes/00000000-0000-4000-8000-000000000000/return`, { body: { returnedAt: '2026-06-09T02:00:00Z' } });
    assert.equal(unknown.status, 404);
    const malformed = await call(`${app.url}/api/v1/episodes/not-an-id/return`, { body: { returnedAt: '2026-06-09T02:00:00Z' } });
    assert.deepEqual([malformed.status, malformed.body.errors[0].path], [400, 'id']);
  });

  it('records a return and a risk change, an RHI over two episodes, then its completion', async () => {
    const first = (await call(`${app.url}/api/v1/episodes`, { body: missing({ reportedAt: '2026-06-01T10:00:00Z', policeRef: 'POL-A' }) })).body;
    const back = await call(`${app.url}/api/v1/episodes/${first.id}/return`, { body: { returnedAt: '2026-06-01T18:00:00Z', safeAndWellCheck: 'done' } });
    assert.deepEqual([back.status, back.body.returnedAt, back.body.safeAndWellCheck], [200, '2026-06-01T18:00:00.000Z', 'done']);
    const second = (await call(`${app.url}/api/v1/episodes`, { body: missing({ reportedAt: '2026-06-02T10:00:00Z', policeRef: 'POL-B' }) })).body;
    const unexplained = await call(`${app.url}/api/v1/episodes/${second.id}`, { method: 'PATCH', body: { riskGrade: 'medium' }, key: OTHER_KEY });
    assert.deepEqual([unexplained.status, unexplained.body.errors], [400, [{ path: 'riskReason', message: 'Say why the risk grade changed: the reason is kept with the grade history.' }]]);
    const graded = await call(`${app.url}/api/v1/episodes/${second.id}`, { method: 'PATCH', body: { riskGrade: 'medium', riskReason: 'Seen at home by a neighbour' }, key: OTHER_KEY });
    assert.deepEqual([graded.status, graded.body.riskGrade], [200, 'medium']);
    await call(`${app.url}/api/v1/episodes/${second.id}/return`, { body: { returnedAt: '2026-06-02T15:00:00Z' } });

    const rhi = await call(`${app.url}/api/v1/return-interviews`, { body: { ref: 'RHI-API', episodeIds: [first.id, second.id], offeredAt: '2026-06-03T09:00:00Z', offeredBy: 'Independent worker' } });
    assert.equal(rhi.status, 201);
    assert.equal(rhi.body.episodeIds.length, 2);
    const same = await call(`${app.url}/api/v1/return-interviews`, { body: { ref: 'RHI-API', episodeIds: [first.id] } });
    assert.deepEqual([same.status, same.body.id], [200, rhi.body.id]);
    const done = await call(`${app.url}/api/v1/return-interviews/${rhi.body.id}`, {
      method: 'PATCH',
      body: { completedAt: '2026-06-04T11:00:00Z', completedBy: 'Independent worker', provider: 'commissioned' },
    });
    assert.deepEqual([done.status, done.body.outcome, done.body.provider], [200, 'accepted', 'commissioned']);
    const changes = await auditEntries(app.db, { action: 'episode.changed' });
    assert.equal(changes[0]?.actor, 'police-system');
  });

  it('serves the daily list as JSON, with a clear 400 for a bad or future date', async () => {
    await call(`${app.url}/api/v1/episodes`, { body: missing() });
    const list = await call(`${app.url}/api/v1/daily-list?date=2026-06-09`);
    assert.equal(list.status, 200);
    assert.equal(list.body.date, '2026-06-09');
    assert.equal(list.body.counts.missingNow, 1);
    assert.deepEqual([list.body.missingNow[0].caseRef, list.body.missingNow[0].riskGrade, list.body.missingNow[0].missingForHours], ['API-1', 'high', 9]);
    const today = await call(`${app.url}/api/v1/daily-list`);
    assert.equal(today.body.date, '2026-06-09');
    assert.equal((await call(`${app.url}/api/v1/daily-list?date=09/06/2026`)).status, 400);
    const future = await call(`${app.url}/api/v1/daily-list?date=2026-06-10`);
    assert.deepEqual([future.status, future.body.errors[0].path], [400, 'date']);
  });

  it('imports CSV over HTTP, rejecting a bad file whole with every bad row listed', async () => {
    const header = NATIVE_COLUMNS.join(',');
    const good = `${header}\nAPI-CSV-1,Ben,Example,,N,,home,2026-06-05T10:00,2026-06-05T18:00,low,POL-CSV-1,,,,\n`;
    const bad = `${good}API-CSV-2,Cy,Demo,,N,,home,never,,,,,,,\nAPI-CSV-3,,,,Q,,home,2026-06-05T10:00,,,,,,,\n`;
    const rejected = await call(`${app.url}/api/v1/imports`, { raw: bad, contentType: 'text/csv' });
    assert.equal(rejected.status, 400);
    assert.deepEqual(rejected.body.errors.map((error: { path: string }) => error.path), ['line 3.reported_at', 'line 4.looked_after']);
    assert.equal(await count('episodes'), 0);
    const skipped = await call(`${app.url}/api/v1/imports?skipInvalid=true`, { raw: bad, contentType: 'text/csv' });
    assert.deepEqual([skipped.status, skipped.body.created, skipped.body.invalid], [200, 1, 2]);
    const again = await call(`${app.url}/api/v1/imports`, { raw: good, contentType: 'text/csv' });
    assert.deepEqual([again.status, again.body.unchanged], [200, 1]);
    const wrongType = await call(`${app.url}/api/v1/imports`, { raw: good, contentType: 'text/plain' });
    assert.equal(wrongType.status, 415);
  });

  it('refuses a file over the rows the service takes at once on the embedded database, whole, saying how to load it, and stays up', async () => {
    const header = NATIVE_COLUMNS.join(',');
    const row = (index: number) => `API-BIG-${index},Test,Synthetic${index},,N,,home,2026-06-05T10:00,2026-06-05T18:00,low,POL-BIG-${index},,,,`;
    const file = `${header}\n${Array.from({ length: SHARED_IMPORT_MAX_ROWS + 1 }, (_, index) => row(index)).join('\n')}\n`;
    const answer = await call(`${app.url}/api/v1/imports`, { raw: file, contentType: 'text/csv' });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error, /^The file was not imported: The file has more than 25,000 rows, the most the service takes at once while it answers Teams on the embedded database\. Split the file, or stop the service and load it with npm run import, which takes a file of any size\.$/);
    assert.deepEqual(answer.body.errors[0].path, `line ${SHARED_IMPORT_MAX_ROWS + 2}`, 'the first row over the limit (the header is line 1)');
    assert.equal(await count('episodes'), 0, 'nothing imported');
    assert.equal((await app.db.query(`select 1 from audit_log where action = 'import.rejected'`)).length, 1);
    assert.equal((await call(`${app.url}/healthz`, { key: null })).status, 200);
    // A file within the bound still goes in.
    assert.equal((await call(`${app.url}/api/v1/imports`, { raw: `${header}\n${row(1)}\n`, contentType: 'text/csv' })).body.created, 1);
  });

  it('publishes an OpenAPI document generated from the request schemas', async () => {
    const answer = await call(`${app.url}/api/v1/openapi.json`, { key: null });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.openapi, '3.1.0');
    const post = answer.body.paths['/api/v1/episodes'].post;
    const schema = post.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required.sort(), ['child', 'kind', 'reportedAt'].sort());
    assert.deepEqual(schema.properties.riskGrade.anyOf?.[0]?.enum ?? schema.properties.riskGrade.enum, ['no_apparent_risk', 'low', 'medium', 'high']);
    assert.ok(answer.body.paths['/api/v1/episodes/{id}/return'].post.parameters.some((parameter: { name: string; in: string }) => parameter.name === 'id' && parameter.in === 'path'));
    assert.ok(answer.body.paths['/api/v1/imports'].post.requestBody.content['text/csv']);
    assert.deepEqual(Object.keys(answer.body.paths).sort(), [
      '/api/v1/audit',
      '/api/v1/daily-list',
      '/api/v1/episodes',
      '/api/v1/episodes/{id}',
      '/api/v1/episodes/{id}/return',
      '/api/v1/imports',
      '/api/v1/reports/monthly',
      '/api/v1/return-interviews',
      '/api/v1/return-interviews/{id}',
    ]);
  });
});
