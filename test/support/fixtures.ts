import { randomUUID } from 'node:crypto';
import type { Child, Episode, ReturnInterview } from '../../src/domain/types';
import type { ListSettings } from '../../src/domain/dailyList';
import { CUMBRIA_RULES } from '../../src/domain/escalation';

/** Synthetic records for pure tests: only what a test names differs from a plain default. */

export const LOCAL_AUTHORITY = 'Demo Borough Council';

export const SETTINGS: ListSettings = {
  timeZone: 'Europe/London',
  postTime: '08:30',
  bankHolidays: [],
  localAuthority: LOCAL_AUTHORITY,
  rhiDueHours: 72,
  rhiChaseDays: 28,
  escalationRules: CUMBRIA_RULES,
};

export const at = (iso: string) => new Date(iso);

export function aChild(overrides: Partial<Child> = {}): Child {
  return {
    id: randomUUID(),
    ref: `TEST-${Math.floor(Math.random() * 1e6)}`,
    givenName: 'Testy',
    familyName: 'Example',
    dateOfBirth: '2011-05-01',
    lookedAfter: false,
    placingAuthority: null,
    placementInArea: null,
    school: null,
    socialWorkerEmail: null,
    ...overrides,
  };
}

export function anEpisode(child: Pick<Child, 'id'>, overrides: Partial<Episode> = {}): Episode {
  return {
    id: randomUUID(),
    childId: child.id,
    kind: 'missing_from_home',
    reportedAt: at('2026-03-02T10:00:00Z'),
    returnedAt: null,
    policeRef: null,
    riskGrade: 'medium',
    lastSeen: null,
    exploitationConcerns: [],
    safeAndWellCheck: null,
    responsibleAuthority: null,
    hostAuthority: null,
    placementInArea: null,
    placingAuthorityNotifiedAt: null,
    ...overrides,
  };
}

export function anRhi(episodes: Episode[], overrides: Partial<ReturnInterview> = {}): ReturnInterview {
  return {
    id: randomUUID(),
    childId: episodes[0]!.childId,
    externalRef: null,
    episodeIds: episodes.map((episode) => episode.id),
    offeredAt: null,
    offeredBy: null,
    outcome: null,
    completedAt: null,
    completedBy: null,
    provider: null,
    ...overrides,
  };
}
