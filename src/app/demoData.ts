import { subHours } from 'date-fns/subHours';
import { subDays } from 'date-fns/subDays';
import type { Database, Queryable } from '../store/db';
import type { EpisodeKind, ExploitationConcern, RhiOutcome, RiskGrade } from '../domain/types';
import { createRhi, recordReturn, reportMissing, type RecordingContext } from '../recording/service';
import type { Grantable } from '../domain/access';
import { grantRole } from '../store/grants';
import { audit } from '../store/repositories';

/**
 * Invented children for the demo and the Playground: obviously synthetic names ("Testcase",
 * "Sample"), refs starting DEMO-, times relative to now so the list is never stale.
 */

interface DemoEpisode {
  kind: EpisodeKind;
  reportedHoursAgo: number;
  returnedHoursAgo?: number;
  /** null: reported before the police graded the risk (the list shows it straight after high risk). */
  risk: RiskGrade | null;
  concerns?: ExploitationConcern[];
  lastSeen?: string;
  safeAndWell?: 'done' | 'not_done';
  rhi?: { outcome?: RhiOutcome; offeredHoursAfterReturn?: number; completedHoursAfterReturn?: number };
}

interface DemoChild {
  ref: string;
  givenName: string;
  familyName: string;
  age: number;
  lookedAfter: boolean;
  placingAuthority?: string;
  placementInArea?: boolean;
  school?: string;
  episodes: DemoEpisode[];
}

/** Earlier episodes, one every `everyDays` days, each back within a day with its RHI done. */
const repeats = (count: number, everyDays: number, startDaysAgo: number): DemoEpisode[] =>
  Array.from({ length: count }, (_, index) => {
    const reported = (startDaysAgo - index * everyDays) * 24;
    return { kind: 'missing_from_care', reportedHoursAgo: reported, returnedHoursAgo: reported - 14, risk: 'medium', safeAndWell: 'done', rhi: { completedHoursAfterReturn: 40 } };
  });

export const DEMO_CHILDREN: DemoChild[] = [
  {
    ref: 'DEMO-1001', givenName: 'Alfie', familyName: 'Testcase', age: 15, lookedAfter: true, placementInArea: true, school: 'Example Academy',
    episodes: [...repeats(4, 12, 70), { kind: 'missing_from_care', reportedHoursAgo: 20, risk: 'high', concerns: ['cce', 'county_lines'], lastSeen: 'Bus station, Sampletown, with two older males' }],
  },
  {
    ref: 'DEMO-1002', givenName: 'Bea', familyName: 'Sample', age: 14, lookedAfter: false, school: 'Placeholder High School',
    episodes: [{ kind: 'missing_from_home', reportedHoursAgo: 6, risk: 'medium', concerns: ['cse'], lastSeen: 'Home address, after an argument' }],
  },
  {
    ref: 'DEMO-1003', givenName: 'Cody', familyName: 'Example', age: 16, lookedAfter: true, placementInArea: true,
    episodes: [{ kind: 'away_without_authorisation', reportedHoursAgo: 3, risk: 'low', lastSeen: "Friend's address known to carers" }],
  },
  {
    ref: 'DEMO-1004', givenName: 'Dana', familyName: 'Fictional', age: 13, lookedAfter: true, placingAuthority: 'Example County Council',
    episodes: [{ kind: 'missing_from_care', reportedHoursAgo: 30, risk: 'medium', lastSeen: 'Residential home, Mocktown Road' }],
  },
  {
    ref: 'DEMO-1005', givenName: 'Eli', familyName: 'Placeholder', age: 15, lookedAfter: false, school: 'Example Academy',
    episodes: [{ kind: 'missing_from_home', reportedHoursAgo: 26, returnedHoursAgo: 10, risk: 'medium', safeAndWell: 'done' }],
  },
  {
    ref: 'DEMO-1006', givenName: 'Fern', familyName: 'Demo', age: 16, lookedAfter: false,
    episodes: [{ kind: 'missing_from_home', reportedHoursAgo: 100, returnedHoursAgo: 80, risk: 'low', safeAndWell: 'not_done' }],
  },
  {
    ref: 'DEMO-1007', givenName: 'Gus', familyName: 'Specimen', age: 17, lookedAfter: true, placementInArea: false,
    episodes: [{ kind: 'missing_from_care', reportedHoursAgo: 130, returnedHoursAgo: 100, risk: 'medium', safeAndWell: 'done', rhi: { outcome: 'no_contact', offeredHoursAfterReturn: 20 } }],
  },
  {
    ref: 'DEMO-1008', givenName: 'Hana', familyName: 'Mockup', age: 14, lookedAfter: true, placingAuthority: 'Sample City Council',
    episodes: [{ kind: 'missing_from_care', reportedHoursAgo: 110, returnedHoursAgo: 90, risk: 'high', concerns: ['trafficking'], safeAndWell: 'done' }],
  },
  {
    ref: 'DEMO-1009', givenName: 'Ivo', familyName: 'Dummy', age: 15, lookedAfter: true, placementInArea: true,
    episodes: [...repeats(8, 9, 80), { kind: 'missing_from_care', reportedHoursAgo: 70, returnedHoursAgo: 55, risk: 'medium', safeAndWell: 'done' }],
  },
  {
    ref: 'DEMO-1011', givenName: 'Kai', familyName: 'Invented', age: 14, lookedAfter: false,
    episodes: [{ kind: 'missing_from_home', reportedHoursAgo: 2, risk: null, lastSeen: 'Leisure centre, Sampletown' }],
  },
  {
    ref: 'DEMO-1010', givenName: 'Jade', familyName: 'Synthetic', age: 12, lookedAfter: false,
    episodes: [{ kind: 'missing_from_home', reportedHoursAgo: 60, returnedHoursAgo: 50, risk: 'low', safeAndWell: 'done', rhi: { outcome: 'declined', offeredHoursAfterReturn: 4 } }],
  },
];

function birthDate(now: Date, age: number): string {
  return subDays(now, Math.round(age * 365.25 + 100)).toISOString().slice(0, 10);
}

async function loadChild(tx: Queryable, child: DemoChild, ctx: RecordingContext): Promise<void> {
  for (const [index, spec] of child.episodes.entries()) {
    const reportedAt = subHours(ctx.now, spec.reportedHoursAgo);
    const { value: episode } = await reportMissing(
      tx,
      {
        child: {
          ref: child.ref,
          givenName: child.givenName,
          familyName: child.familyName,
          dateOfBirth: birthDate(ctx.now, child.age),
          lookedAfter: child.lookedAfter,
          placingAuthority: child.placingAuthority ?? null,
          placementInArea: child.placementInArea ?? null,
          school: child.school ?? null,
          // An invented address on the reserved example domain: the social worker is invited to meetings.
          socialWorkerEmail: child.ref === 'DEMO-1001' ? 'social.worker@example.org' : null,
        },
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
    await createRhi(
      tx,
      {
        episodeIds: [episode.id],
        offeredAt: after(spec.rhi.offeredHoursAfterReturn ?? spec.rhi.completedHoursAfterReturn),
        offeredBy: 'Demo RHI worker',
        outcome: spec.rhi.outcome,
        completedAt: after(spec.rhi.completedHoursAfterReturn),
        completedBy: spec.rhi.completedHoursAfterReturn === undefined ? undefined : 'Demo RHI worker',
        provider: spec.rhi.completedHoursAfterReturn === undefined ? undefined : 'in_house',
      },
      ctx,
    );
  }
}

/** Loads the demo children when the database has no children at all. Answers whether it did. */
/**
 * The roles the demo gives the Agents Playground's invented people (.m365agentsplayground.yml), so
 * that a newcomer can try each: Morgan Coordinator (the Playground's own user) is the missing team,
 * Casey Chair a chair, Mel Manager a manager. No agency roster is granted, so in the demo the
 * channel decides who acts for an agency (and the card names them).
 */
export const DEMO_ROLES: { aadObjectId: string; name: string; role: Grantable }[] = [
  { aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Morgan Coordinator', role: 'missing-team' },
  { aadObjectId: '00000000-0000-0000-0000-0000000000024', name: 'Casey Chair', role: 'chair' },
  { aadObjectId: '00000000-0000-0000-0000-0000000000025', name: 'Mel Manager', role: 'manager' },
];

export async function loadDemoDataIfEmpty(db: Database, now: Date, localAuthority: string, timeZone = 'Europe/London'): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Replicas starting together: one loads, the others see the children.
    await tx.query('select pg_advisory_xact_lock(7240612)');
    const [row] = await tx.query<{ count: number }>('select count(*)::int as count from children');
    if ((row?.count ?? 0) > 0) return false;
    const ctx: RecordingContext = { actor: { name: 'demo-data', kind: 'system' }, now, localAuthority, timeZone };
    for (const child of DEMO_CHILDREN) await loadChild(tx, child, ctx);
    for (const person of DEMO_ROLES) {
      await grantRole(tx, { userId: person.aadObjectId, userName: person.name, role: person.role, grantedBy: 'demo-data', grantedAt: now });
      await audit(tx, { actor: 'demo-data', actorKind: 'system', action: 'role.granted', details: { user: person.aadObjectId, role: person.role } });
    }
    return true;
  });
}
