import assert from 'node:assert/strict';
import { auditGrouped } from '../../src/store/auditGroups';
import type { Queryable } from '../../src/store/db';
import type { AuditEntry } from '../../src/store/repositories';
import { forEachDriver } from '../support/databases';

const entry = (n: number, extra: Record<string, unknown> = {}): AuditEntry => ({ actor: `tester-${n}`, actorKind: 'teams', action: 'group.probe', conversationId: '19:probe@thread.tacv2', details: { n, ...extra } });

forEachDriver('audit entries written together', (db) => {
  /** The database, counting the statements that reach it (a new object: a group of its own). */
  const counting = () => {
    const counted = { statements: 0, db: undefined as unknown as Queryable };
    counted.db = {
      query: (sql, params) => (counted.statements++, db().query(sql, params)),
      exec: (sql) => db().exec(sql),
      copyFrom: db().copyFrom && ((sql: string, text: string) => (counted.statements++, db().copyFrom!(sql, text))),
    };
    return counted;
  };
  const storedNs = async () => (await db().query<{ n: number }>(`select (details ->> 'n')::int as n from audit_log where action = 'group.probe' order by id`)).map((row) => row.n);

  it('writes entries that arrive during a write in one statement, in order, each caller answered once its own is stored', async () => {
    const counted = counting();
    const ns = Array.from({ length: 20 }, (_, index) => index);
    const seenByCaller = await Promise.all(
      ns.map((n) => auditGrouped(counted.db, entry(n)).then(async () => (await db().query(`select 1 from audit_log where action = 'group.probe' and details ->> 'n' = $1`, [String(n)])).length)),
    );
    assert.deepEqual(seenByCaller, ns.map(() => 1), 'every caller finds its entry stored when answered');
    assert.deepEqual(await storedNs(), ns, 'all stored, in the order they came');
    assert.equal(counted.statements, 2, 'the first alone, the nineteen that came while it was written together');
  });

  it('fails only the caller whose entry cannot be stored; the others in its group are stored', async () => {
    const counted = counting();
    const results = await Promise.allSettled([0, 1, 2, 3].map((n) => auditGrouped(counted.db, entry(n, n === 2 ? { bad: 'nul \u0000 in jsonb' } : {}))));
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[2] as PromiseRejectedResult).reason), /unsupported Unicode escape sequence|\\u0000/);
    assert.deepEqual(await storedNs(), [0, 1, 3]);
  });
});
