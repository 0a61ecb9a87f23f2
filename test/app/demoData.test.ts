import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CHILDREN, DEMO_ROLES, loadDemoDataIfEmpty } from '../../src/app/demoData';
import { localDate } from '../../src/domain/calendar';
import { loadDailyList } from '../../src/lists/dailyListService';
import { openTestDatabase } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import type { Database } from '../../src/store/db';

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
