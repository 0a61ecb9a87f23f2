import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configSchema, loadConfig } from '../src/config';

describe('configuration', () => {
  it('starts with safe defaults from an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3978);
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.DATA_DIR, './data');
    assert.equal(config.TIMEZONE, 'Europe/London');
    assert.equal(config.RHI_DUE_HOURS, 72);
    assert.deepEqual(config.ESCALATION_RULES.map((rule) => [rule.stage, rule.episodes, rule.windowDays]), [
      [1, 5, 90],
      [2, 9, 90],
    ]);
    assert.deepEqual(config.INGEST_API_KEYS, []);
    assert.equal(config.DEMO_DATA, true);
  });

  it('treats an empty variable as unset, as .env.example leaves them', () => {
    assert.equal(loadConfig({ PORT: '', DEMO_DATA: '' }).PORT, 3978);
  });

  it('reads lists, keys, presets and JSON rules', () => {
    const config = loadConfig({
      ALLOWED_TENANT_IDS: 'a, b',
      INGEST_API_KEYS: 'police-system:0123456789abcdef0123,case-system:fedcba9876543210fedc',
      ESCALATION_RULES: 'strategy-3-in-30',
      BANK_HOLIDAYS: '2026-12-25,2026-12-28',
      DEMO_DATA: 'false',
    });
    assert.deepEqual(config.ALLOWED_TENANT_IDS, ['a', 'b']);
    assert.deepEqual(config.INGEST_API_KEYS.map((key) => key.name), ['police-system', 'case-system']);
    assert.equal(config.ESCALATION_RULES[0]!.episodes, 3);
    assert.equal(config.DEMO_DATA, false);
    const custom = loadConfig({ ESCALATION_RULES: '[{"stage":1,"label":"Strategy meeting","episodes":4,"windowDays":60}]' });
    assert.deepEqual(custom.ESCALATION_RULES, [{ stage: 1, label: 'Strategy meeting', episodes: 4, windowDays: 60 }]);
  });

  it('fails with one clear line per bad setting', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', TIMEZONE: 'Mars/Olympus', DATABASE_URL: 'mysql://x', INGEST_API_KEYS: 'short:abc', ESCALATION_RULES: '[{"stage":0}]', DAILY_POST_TIME: '8.30' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    assert.ok(error instanceof ConfigError);
    const lines = error.problems;
    assert.equal(lines.length, 6, lines.join('\n'));
    for (const name of ['PORT', 'TIMEZONE', 'DATABASE_URL', 'INGEST_API_KEYS', 'ESCALATION_RULES', 'DAILY_POST_TIME']) {
      assert.ok(lines.some((line) => line.startsWith(`${name}:`)), `no line for ${name}: ${lines.join(' | ')}`);
    }
    assert.ok(!lines.join(' ').includes('abc'), 'a key is never echoed back');
  });

  it('reads API keys with scopes, and gives a key without scopes record and read', () => {
    const config = loadConfig({ INGEST_API_KEYS: 'case-system:0123456789abcdef0123,auditor:fedcba9876543210fedc:audit+read' });
    assert.deepEqual(config.INGEST_API_KEYS.map((key) => [key.name, key.scopes]), [
      ['case-system', ['record', 'read']],
      ['auditor', ['audit', 'read']],
    ]);
  });

  it('refuses a malformed key entry by its position, printing no part of it', () => {
    const secret = 'Sup3rSecretKeyValue0123456789';
    for (const entries of [secret, `name:${secret}:everything`, `:${secret}`, `a:${secret}:read:extra`, `ok:${secret},ok:${secret}x`]) {
      let error: ConfigError | undefined;
      try {
        loadConfig({ INGEST_API_KEYS: entries });
      } catch (caught) {
        error = caught as ConfigError;
      }
      assert.ok(error instanceof ConfigError, entries);
      assert.match(error.problems.join(' '), /INGEST_API_KEYS: entry [12] /);
      for (const part of [secret.slice(0, 4), secret.slice(-4), 'Sup3', 'everything']) assert.ok(!error.message.includes(part), `${entries} echoed ${part}: ${error.message}`);
    }
  });

  it('reads roles from configuration and Entra groups, and needs Graph credentials for groups', () => {
    const config = loadConfig({
      CHAIR_USER_IDS: '00000000-0000-0000-0000-0000000000024',
      AGENCY_GROUP_IDS: 'police=11111111-1111-4111-8111-111111111111, education=22222222-2222-4222-8222-222222222222',
      MISSING_TEAM_GROUP_ID: '33333333-3333-4333-8333-333333333333',
      GRAPH_CLIENT_ID: 'client',
      GRAPH_CLIENT_SECRET: 'secret',
      GRAPH_TENANT_ID: 'tenant',
    });
    assert.deepEqual(config.CHAIR_USER_IDS, ['00000000-0000-0000-0000-0000000000024']);
    assert.deepEqual(config.AGENCY_GROUP_IDS, { police: '11111111-1111-4111-8111-111111111111', education: '22222222-2222-4222-8222-222222222222' });
    assert.throws(() => loadConfig({ MISSING_TEAM_GROUP_ID: '33333333-3333-4333-8333-333333333333' }), /GRAPH_CLIENT_ID: Entra groups are checked through Microsoft Graph/);
    assert.throws(() => loadConfig({ AGENCY_GROUP_IDS: 'pizza=11111111-1111-4111-8111-111111111111' }), /AGENCY_GROUP_IDS: "pizza=…" must be agency=<group id>/);
    assert.throws(() => loadConfig({ GRAPH_BASE_URL: 'http://graph.example.org' }), /GRAPH_BASE_URL: must be an https URL \(plain http only on loopback\)/);
    assert.equal(loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:9999' }).GRAPH_BASE_URL, 'http://127.0.0.1:9999');
  });

  it('reads the meeting settings, and needs Graph credentials (a secret or a certificate) for an organiser mailbox', () => {
    const config = loadConfig({ MEETING_CONTACTS: 'police=MisPers@Force.example, education=dsl@school.example,police=duty@force.example', MEETING_HOURS: '08:30-16:00', MEETING_WINDOW_DAYS: '5' });
    assert.deepEqual(config.MEETING_CONTACTS, { police: ['mispers@force.example', 'duty@force.example'], education: ['dsl@school.example'] });
    assert.deepEqual([config.MEETING_HOURS, config.MEETING_WINDOW_DAYS, config.GRAPH_ORGANISER], [{ start: '08:30', end: '16:00' }, 5, undefined]);
    assert.throws(() => loadConfig({ MEETING_CONTACTS: 'gangs=someone@example.test' }), /MEETING_CONTACTS: "gangs=…" must be agency=<email>/);
    assert.throws(() => loadConfig({ MEETING_HOURS: '17:00-09:00' }), /MEETING_HOURS: must be HH:MM-HH:MM, the start before the end/);
    assert.throws(() => loadConfig({ GRAPH_ORGANISER: 'missing.meetings@council.example' }), /GRAPH_ORGANISER: meetings are booked through Microsoft Graph/);
    const certificate = loadConfig({ GRAPH_ORGANISER: 'missing.meetings@council.example', GRAPH_TENANT_ID: 'tenant', GRAPH_CLIENT_ID: 'client', GRAPH_CLIENT_CERTIFICATE_PATH: '/etc/huddle/graph.pem' });
    assert.equal(certificate.GRAPH_ORGANISER, 'missing.meetings@council.example');
    assert.throws(() => loadConfig({ MEETING_LINK_SECRET: 'short' }), /MEETING_LINK_SECRET: must be at least 32 characters/);
  });

  it('documents every setting in .env.example', () => {
    const documented = [...readFileSync(join(__dirname, '..', '.env.example'), 'utf8').matchAll(/^([A-Za-z_]+)=/gm)].map((match) => match[1]).sort();
    assert.deepEqual(documented, Object.keys(configSchema.shape).sort());
  });

  it('keeps local mode (no MicrosoftAppId) on loopback', () => {
    assert.throws(() => loadConfig({ HOST: '0.0.0.0' }), /HOST: without MicrosoftAppId the bot runs in local mode/);
    assert.equal(loadConfig({ HOST: '0.0.0.0', MicrosoftAppId: '99999999-1111-4222-8333-444444444444' }).HOST, '0.0.0.0');
  });
});
