import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { subDays } from 'date-fns/subDays';
import { subHours } from 'date-fns/subHours';
import { DEMO_CHILDREN, DEMO_ROLES, loadDemoDataIfEmpty } from '../../src/app/demoData';
import { createRhi, recordReturn, reportMissing, type RecordingContext } from '../../src/recording/service';
import { grantRole } from '../../src/store/grants';
import { audit } from '../../src/store/repositories';
import { localDate } from '../../src/domain/calendar';
import { loadDailyList } from '../../src/lists/dailyListService';
import { DRIVERS, openTestDatabase } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import type { Database, Queryable } from '../../src/store/db';

/**
 * The demo as the use cases record it, one report, return and interview at a time (how the demo was
 * loaded before issue 13): the reference the demo's own records, stored at once, must match.
 */
async function loadDemoOneByOne(db: Database, ctx: RecordingContext): Promise<void> {
  await db.transaction(async (tx) => {
    for (const child of DEMO_CHILDREN) {
      for (const [index, spec] of child.episodes.entries()) {
        const reportedAt = subHours(ctx.now, spec.reportedHoursAgo);
        const dateOfBirth = subDays(ctx.now, Math.round(child.age * 365.25 + 100)).toISOString().slice(0, 10);
        const { value: episode } = await reportMissing(
          tx,
          {
            child: { ref: child.ref, givenName: child.givenName, familyName: child.familyName, lookedAfter: child.lookedAfter, dateOfBirth, placingAuthority: child.placingAuthority ?? null, placementInArea: child.placementInArea ?? null, school: child.school ?? null, socialWorkerEmail: child.ref === 'DEMO-1001' ? 'social.worker@example.org' : null },
            kind: spec.kind,
            reportedAt,
            riskGrade: spec.risk,
            policeRef: `DEMO-POL-${child.ref.slice(5)}-${index + 1}`,
            lastSeen: spec.lastSeen ?? null,
            exploitationConcerns: spec.concerns ?? [],
          },
          ctx,
        );
        if (spec.returnedHoursAgo === undefined) continue;
        const returnedAt = subHours(ctx.now, spec.returnedHoursAgo);
        await recordReturn(tx, episode.id, { returnedAt, safeAndWellCheck: spec.safeAndWell ?? null }, ctx);
        if (!spec.rhi) continue;
        const after = (hours: number | undefined) => (hours === undefined ? undefined : subHours(returnedAt, -hours));
        const completed = spec.rhi.completedHoursAfterReturn !== undefined;
        await createRhi(
          tx,
          {
            episodeIds: [episode.id],
            offeredAt: after(spec.rhi.offeredHoursAfterReturn ?? spec.rhi.completedHoursAfterReturn),
            offeredBy: 'Demo RHI worker',
            outcome: spec.rhi.outcome,
            completedAt: after(spec.rhi.completedHoursAfterReturn),
            completedBy: completed ? 'Demo RHI worker' : undefined,
            provider: completed ? 'in_house' : undefined,
          },
          ctx,
        );
      }
    }
    for (const person of DEMO_ROLES) {
      await grantRole(tx, { userId: person.aadObjectId, userName: person.name, role: person.role, grantedBy: 'demo-data', grantedAt: ctx.now });
      await audit(tx, { actor: 'demo-data', actorKind: 'system', action: 'role.granted', details: { user: person.aadObjectId, role: person.role } });
    }
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * What the demo left in each table, comparable between two databases: generated ids named by what
 * they identify (a child by its case reference, an episode by its police reference, an interview by
 * its episode's), and the times the database stamps itself (row creation, the audit's clock) left out.
 */
async function demoContents(db: Database): Promise<Record<string, string[]>> {
  const names = new Map<string, string>();
  for (const row of await db.query<{ id: string; ref: string }>('select id, ref from children')) names.set(row.id, `child ${row.ref}`);
  for (const row of await db.query<{ id: string; ref: string }>('select id, police_ref as ref from episodes')) names.set(row.id, `episode ${row.ref}`);
  const rhis = await db.query<{ id: string; ref: string }>('select l.return_interview_id as id, e.police_ref as ref from return_interview_episodes l join episodes e on e.id = l.episode_id');
  for (const row of rhis) names.set(row.id, `interview of ${row.ref}`);
  const contents: Record<string, string[]> = {};
  for (const [table, ordered] of [['children', false], ['episodes', false], ['episode_history', false], ['return_interviews', false], ['return_interview_episodes', false], ['role_grants', false], ['audit_log', true]] as const) {
    const rows = await db.query<{ row: string }>(`select (to_jsonb(t) - 'id' - 'created_at' - 'updated_at' - 'at')::text as row from ${table} t order by ${ordered ? 'id' : '1'}`);
    const named = rows.map(({ row }) => row.replace(UUID, (id) => names.get(id) ?? `an id of nothing in the demo (${id})`));
    contents[table] = ordered ? named : named.sort();
  }
  return contents;
}

/** The database with every statement asked in its transactions counted. */
function countingStatements(db: Database): { db: Database; statements: () => number } {
  let statements = 0;
  const counting = (tx: Queryable): Queryable => {
    const counted = Object.create(tx) as Queryable;
    counted.query = (sql, params) => (statements++, tx.query(sql, params));
    counted.exec = (sql) => (statements++, tx.exec(sql));
    if (tx.copyFrom) counted.copyFrom = (into, text) => (statements++, tx.copyFrom!(into, text));
    return counted;
  };
  const wrapped = Object.create(db) as Database;
  wrapped.transaction = (work) => db.transaction((tx) => work(counting(tx)));
  return { db: wrapped, statements: () => statements };
}

describe('demo data', () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase('pglite');
  });
  after(async () => db.close());

  it('uses only obviously synthetic children', () => {
    for (const child of DEMO_CHILDREN) {
      assert.match(child.ref, /^DEMO-\d{4}$/);
      assert.match(child.familyName, /^(Testcase|Sample|Example|Fictional|Placeholder|Demo|Specimen|Mockup|Dummy|Synthetic|Invented)$/);
    }
  });

  it('loads once into an empty database and gives the list something of every kind, dated from now', async () => {
    const now = at('2026-11-24T09:45:00Z'); // a Tuesday
    assert.equal(await loadDemoDataIfEmpty(db, now, SETTINGS.localAuthority), true);
    assert.equal(await loadDemoDataIfEmpty(db, now, SETTINGS.localAuthority), false, 'a second start loads nothing');
    const list = await loadDailyList(db, localDate(now, SETTINGS.timeZone), now, SETTINGS);
    assert.equal(list.counts.missingNow, 5);
    assert.equal(list.missingNow[0]!.riskGrade, 'high');
    assert.equal(list.missingNow[1]!.riskGrade, null, 'a child not yet graded, straight after high risk');
    assert.equal(list.missingNow[0]!.escalationStage, 1, 'a repeat child at stage 1 is missing now');
    assert.ok(list.missingNow.some((entry) => entry.ola && entry.placingAuthority === 'Example County Council'));
    assert.ok(list.returned.length >= 1);
    const overdue = list.rhis.filter((entry) => entry.state === 'overdue');
    assert.ok(overdue.length >= 3, JSON.stringify(list.counts));
    assert.ok(overdue.some((entry) => entry.ola && entry.owner === 'Sample City Council'));
    assert.ok(list.rhis.some((entry) => entry.state === 'due_soon'));
  });

  for (const driver of DRIVERS) {
    it(`stores exactly what recording each report, return and interview one at a time stores, in a dozen statements [${driver}]`, async () => {
      const now = at('2026-11-24T09:45:00Z');
      const [reference, loaded] = await Promise.all([openTestDatabase(driver), openTestDatabase(driver)]);
      try {
        await loadDemoOneByOne(reference, { actor: { name: 'demo-data', kind: 'system' }, now, localAuthority: SETTINGS.localAuthority, timeZone: 'Europe/London' });
        const counted = countingStatements(loaded);
        assert.equal(await loadDemoDataIfEmpty(counted.db, now, SETTINGS.localAuthority), true);
        const [expected, actual] = [await demoContents(reference), await demoContents(loaded)];
        assert.ok(expected.episode_history!.length > 50 && expected.audit_log!.length > 50, 'the reference recorded the demo');
        assert.deepEqual(actual, expected);
        assert.ok(counted.statements() <= 12, `the demo took ${counted.statements()} statements; one by one it took over 400`);
      } finally {
        await Promise.all([reference.close(), loaded.close()]);
      }
    });
  }

  it('gives the Playground’s invented people the roles the README names, by the ids in .m365agentsplayground.yml', async () => {
    const yml = readFileSync(join(__dirname, '..', '..', '.m365agentsplayground.yml'), 'utf8');
    const people = [...yml.matchAll(/name: (.+)\n\s+userPrincipleName: .+\n\s+aadObjectId: (\S+)/g)].map((match) => [match[1], match[2]]);
    for (const person of DEMO_ROLES) assert.ok(people.some(([name, id]) => name === person.name && id === person.aadObjectId), `${person.name} is not in the Playground config`);
    assert.deepEqual(DEMO_ROLES.map((person) => person.role).sort(), ['chair', 'manager', 'missing-team']);
    const fresh = await openTestDatabase('pglite');
    try {
      await loadDemoDataIfEmpty(fresh, at('2026-11-24T09:10:00Z'), SETTINGS.localAuthority);
      const grants = await fresh.query<{ role: string }>('select role from role_grants order by role');
      assert.deepEqual(grants.map((grant) => grant.role), ['chair', 'manager', 'missing-team'], 'loaded with the demo children');
    } finally {
      await fresh.close();
    }
  });
});
