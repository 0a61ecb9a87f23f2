import assert from 'node:assert/strict';
import { atLocalTime } from '../../src/domain/calendar';

describe('local wall-clock times', () => {
  it('keeps a year below 100 as written (Date would read 0001 as 1901)', () => {
    // UTC: before 1847 London kept local mean time (−0:01:15), which the tz library rounds oddly.
    assert.equal(atLocalTime('0001-01-01', '12:00', 'UTC').toISOString(), '0001-01-01T12:00:00.000Z');
    assert.equal(atLocalTime('0099-06-01', '12:00', 'UTC').toISOString(), '0099-06-01T12:00:00.000Z');
    assert.ok(atLocalTime('0001-01-01', '12:00', 'Europe/London').getUTCFullYear() < 2, 'not 1901 in London either');
  });

  it('reads a summer and a winter time in the zone', () => {
    assert.equal(atLocalTime('2026-06-09', '09:00', 'Europe/London').toISOString(), '2026-06-09T08:00:00.000Z');
    assert.equal(atLocalTime('2026-12-09', '09:00', 'Europe/London').toISOString(), '2026-12-09T09:00:00.000Z');
  });
});
