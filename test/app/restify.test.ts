import assert from 'node:assert/strict';
import pino from 'pino';
import { createRestifyServer } from '../../src/app/restify';

describe("restify's server", () => {
  it('logs through the service\'s logger, never below warnings: at trace restify writes whole requests and responses', () => {
    const levelAt = (level: string) => (createRestifyServer('missing-huddle', pino({ level })).log as unknown as pino.Logger).level;
    assert.equal(levelAt('trace'), 'warn', 'trace raised to warnings');
    assert.equal(levelAt('info'), 'warn', 'info raised to warnings');
    assert.equal(levelAt('error'), 'error', 'a stricter level kept');
    assert.equal(levelAt('silent'), 'silent', 'a silent service keeps restify silent');
  });

  it('carries the name it is given', () => {
    assert.equal(createRestifyServer('missing-huddle', pino({ level: 'silent' })).name, 'missing-huddle');
  });
});
