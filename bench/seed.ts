import { subHours } from 'date-fns';
import { reportMissing } from '../src/recording/service';
import type { Database } from '../src/store/db';
import { SETTINGS } from '../test/support/fixtures';

/** `count` invented children missing at `now`, one episode each, every fifth graded high: the list the benches tap. */
export async function seedMissing(db: Database, now: Date, count = 300): Promise<void> {
  for (let index = 0; index < count; index++) {
    await db.transaction((tx) =>
      reportMissing(
        tx,
        {
          child: { ref: `BENCH-${index}`, givenName: 'Bench', familyName: `Synthetic${index}`, dateOfBirth: '2011-01-01', lookedAfter: false, placingAuthority: null, placementInArea: null, school: null, socialWorkerEmail: null },
          kind: 'missing_from_home',
          reportedAt: subHours(now, 1 + (index % 100)),
          riskGrade: index % 5 === 0 ? 'high' : 'medium',
          policeRef: `BENCH-POL-${index}`,
          lastSeen: 'Synthetic bench location',
          exploitationConcerns: [],
        },
        { actor: { name: 'bench', kind: 'system' }, now, localAuthority: SETTINGS.localAuthority, timeZone: SETTINGS.timeZone },
      ),
    );
  }
}
