import assert from 'node:assert/strict';
import { MONTHLY_COLUMNS } from '../../src/reports/monthly';
import { API_KEY, call, OTHER_KEY, startTestApp } from '../support/app';
import { MONTHLY_CSV, MONTHLY_EXPECTED, MONTHLY_NOW } from '../reports/fixtures';

describe('the monthly figures over HTTP (GET /api/v1/reports/monthly)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ INGEST_API_KEYS: `panel:${API_KEY}:record+report,police-system:${OTHER_KEY}:record+read` }, () => MONTHLY_NOW);
    const imported = await call(`${app.url}/api/v1/imports`, { raw: MONTHLY_CSV, contentType: 'text/csv' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
  });
  after(() => app.stop());

  it('answers the imported episodes’ figures row by row as JSON', async () => {
    const answer = await call(`${app.url}/api/v1/reports/monthly?from=2026-02&to=2026-05`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { from: '2026-02', to: '2026-05', timeZone: 'Europe/London', months: MONTHLY_EXPECTED });
  });

  it('answers the same rows as CSV when asked with Accept, as a file to save', async () => {
    const answer = await call(`${app.url}/api/v1/reports/monthly?from=2026-02&to=2026-05`, { accept: 'text/csv' });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type')!, /^text\/csv/);
    assert.equal(answer.headers.get('content-disposition'), 'attachment; filename="missing-figures-2026-02-to-2026-05.csv"');
    const [header, ...rows] = (answer.body as string).trimEnd().split('\r\n');
    assert.equal(header, MONTHLY_COLUMNS.map((column) => column.heading).join(','));
    const asCsv = (row: Record<string, unknown>) => MONTHLY_COLUMNS.map((column) => (column.key.endsWith('Pct') ? (row[column.key] as number).toFixed(2) : String(row[column.key]))).join(',');
    assert.deepEqual(rows, MONTHLY_EXPECTED.map(asCsv));
  });

  it('refuses a key without the report scope, saying which scope it needs', async () => {
    const answer = await call(`${app.url}/api/v1/reports/monthly?from=2026-02&to=2026-05`, { key: OTHER_KEY });
    assert.equal(answer.status, 403);
    assert.match(answer.body.error, /needs the report scope/);
  });

  it('refuses months that cannot be reported, saying why', async () => {
    const backwards = await call(`${app.url}/api/v1/reports/monthly?from=2026-05&to=2026-02`);
    assert.equal(backwards.status, 400);
    assert.deepEqual(backwards.body.errors, [{ path: 'to', message: 'The first month (2026-05) is after the last (2026-02).' }]);
    const missing = await call(`${app.url}/api/v1/reports/monthly?from=2026-05`);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0].path, 'to');
  });
});
