import assert from 'node:assert/strict';
import { BodyRefusal, parseJsonBody } from '../../src/app/bodies';

const body = (text: string) => Buffer.from(text, 'utf8');
const refusal = (text: string) => {
  try {
    parseJsonBody(body(text));
  } catch (error) {
    if (error instanceof BodyRefusal) return `${error.status} ${error.message}`;
    throw error;
  }
  return 'accepted';
};

describe('a JSON body', () => {
  it('is refused for a NUL character wherever it is escaped: a value, a key, deep in an array', () => {
    for (const text of ['{"a":"x\\u0000y"}', '{"k\\u0000":1}', '{"seen":["a","b",["c","\\u0000"]]}', '"\\\\\\u0000"']) {
      assert.equal(refusal(text), '400 The request contains a NUL character (\\u0000), which no field accepts.', text);
    }
  });

  it('is refused as not JSON for a raw NUL (JSON has only the escape)', () => {
    assert.match(refusal('{"a":"x\u0000y"}'), /^400 The request body is not valid JSON\./);
  });

  it('is taken with an escaped backslash before "u0000" (no NUL in it), and with many keys and no NUL', () => {
    assert.deepEqual(parseJsonBody(body('{"path":"C:\\\\u0000"}')), { path: 'C:\\u0000' });
    const seen = Array.from({ length: 300 }, (_, index) => `child-${index}`);
    assert.deepEqual(parseJsonBody(body(JSON.stringify({ value: { seen } }))), { value: { seen } });
  });
});
