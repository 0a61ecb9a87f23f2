import { subHours } from 'date-fns/subHours';
import { subDays } from 'date-fns/subDays';
import type { Database } from '../store/db';
import type { Episode, EpisodeKind, ExploitationConcern, RhiOutcome, RiskGrade } from '../domain/types';
import { assertChildInput, assertKindFits, assertNewEpisode, newEpisode, newRhi, storeNewEpisodes, type NewEpisode, type NewRhi, type RecordingContext } from '../recording/service';
import type { Grantable } from '../domain/access';
import { grantRole } from '../store/grants';
import { newId } from '../store/ids';
import { auditMany, insertNewChildren, insertRhis, type AuditEntry, type NewChild } from '../store/repositories';

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

/** What the demo writes: made in memory by the recording service's own rules, then stored in a few statements. */
interface DemoRecords {
  children: NewChild[];
  episodes: NewEpisode[];
  rhis: NewRhi[];
  /** Their audit entries, in the order the use cases one by one would have written them. */
  audits: AuditEntry[];
}

/**
 * The demo children's records as the recording service makes them (each report checked against the
 * child's other episodes, each RHI against its episode's return) and as reporting, returning and
 * offering the interview one by one would leave them: the same rows, history and audit entries. Made
 * in memory because a new service waits for them before it answers: stored one use case at a time
 * they were 433 statements and most of a fresh start's last half second (issue 13, part 3).
 */
function demoRecords(ctx: RecordingContext): DemoRecords {
  const records: DemoRecords = { children: [], episodes: [], rhis: [], audits: [] };
  for (const spec of DEMO_CHILDREN) {
    const child: NewChild = {
      id: newId(),
      ref: spec.ref,
      givenName: spec.givenName,
      familyName: spec.familyName,
      dateOfBirth: birthDate(ctx.now, spec.age),
      lookedAfter: spec.lookedAfter,
      placingAuthority: spec.placingAuthority ?? null,
      placementInArea: spec.placementInArea ?? null,
      school: spec.school ?? null,
      // An invented address on the reserved example domain: the social worker is invited to meetings.
      socialWorkerEmail: spec.ref === 'DEMO-1001' ? 'social.worker@example.org' : null,
    };
    assertChildInput(child, ctx.now);
    records.children.push(child);
    const episodes: Episode[] = [];
    for (const [index, item] of spec.episodes.entries()) {
      const reportedAt = subHours(ctx.now, item.reportedHoursAgo);
      const returnedAt = item.returnedHoursAgo === undefined ? null : subHours(ctx.now, item.returnedHoursAgo);
      assertKindFits(item.kind, child);
      assertNewEpisode(reportedAt, returnedAt, episodes, ctx);
      const fields = { kind: item.kind, reportedAt, riskGrade: item.risk, policeRef: `DEMO-POL-${spec.ref.slice(5)}-${index + 1}`, lastSeen: item.lastSeen ?? null, exploitationConcerns: item.concerns ?? [] };
      const made = newEpisode(child, fields, returnedAt, ctx);
      if (returnedAt && item.safeAndWell) recordSafeAndWell(made, item.safeAndWell, ctx);
      records.episodes.push(made);
      records.audits.push(...made.audits);
      episodes.push(made.episode);
      if (!returnedAt || !item.rhi) continue;
      const after = (hours: number | undefined) => (hours === undefined ? undefined : subHours(returnedAt, -hours));
      const completed = item.rhi.completedHoursAfterReturn !== undefined;
      const input = {
        episodeIds: [made.episode.id],
        offeredAt: after(item.rhi.offeredHoursAfterReturn ?? item.rhi.completedHoursAfterReturn),
        offeredBy: 'Demo RHI worker',
        outcome: item.rhi.outcome,
        completedAt: after(item.rhi.completedHoursAfterReturn),
        completedBy: completed ? 'Demo RHI worker' : undefined,
        provider: completed ? ('in_house' as const) : undefined,
      };
      const rhi = newRhi(input, [made.episode], child.ref, ctx);
      records.rhis.push(rhi);
      records.audits.push(rhi.audit);
    }
  }
  return records;
}

/** The safe and well check recorded with the return, as `recordReturn` records it: on the episode, in its history and in the return's audit entry. */
function recordSafeAndWell(made: NewEpisode, check: 'done' | 'not_done', ctx: RecordingContext): void {
  made.episode.safeAndWellCheck = check;
  made.history.push({ episodeId: made.episode.id, field: 'safeAndWellCheck', oldValue: null, newValue: check, changedAt: ctx.now, changedBy: ctx.actor.name });
  const returned = made.audits.find((entry) => entry.action === 'episode.returned');
  if (returned) returned.details = { ...returned.details, safeAndWellCheck: check };
}

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

/** Loads the demo children when the database has no children at all. Answers whether it did. */
export async function loadDemoDataIfEmpty(db: Database, now: Date, localAuthority: string, timeZone = 'Europe/London'): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Replicas starting together: one loads, the others see the children.
    await tx.query('select pg_advisory_xact_lock(7240612)');
    const [row] = await tx.query<{ count: number }>('select count(*)::int as count from children');
    if ((row?.count ?? 0) > 0) return false;
    const ctx: RecordingContext = { actor: { name: 'demo-data', kind: 'system' }, now, localAuthority, timeZone };
    const records = demoRecords(ctx);
    await insertNewChildren(tx, records.children);
    await storeNewEpisodes(tx, records.episodes, ctx.actor.name);
    await insertRhis(tx, records.rhis.map((made) => made.rhi));
    const grants: AuditEntry[] = [];
    for (const person of DEMO_ROLES) {
      await grantRole(tx, { userId: person.aadObjectId, userName: person.name, role: person.role, grantedBy: 'demo-data', grantedAt: now });
      grants.push({ actor: 'demo-data', actorKind: 'system', action: 'role.granted', details: { user: person.aadObjectId, role: person.role } });
    }
    await auditMany(tx, [...records.audits, ...grants]);
    return true;
  });
}
