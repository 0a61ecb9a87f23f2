import type { ReportMissingInput } from '../../src/recording/schemas';
import type { RecordingContext } from '../../src/recording/service';
import { LOCAL_AUTHORITY, at } from './fixtures';

export const NOW = at('2026-06-09T06:00:00Z');

export function context(overrides: Partial<RecordingContext> = {}): RecordingContext {
  return { actor: { name: 'test-system', kind: 'api' }, now: NOW, localAuthority: LOCAL_AUTHORITY, timeZone: 'Europe/London', ...overrides };
}

export function report(overrides: Partial<ReportMissingInput> & { childRef?: string } = {}): ReportMissingInput {
  const { childRef, ...rest } = overrides;
  return {
    child: {
      ref: childRef ?? 'TEST-0001',
      givenName: 'Testy',
      familyName: 'Example',
      dateOfBirth: '2011-05-01',
      lookedAfter: null,
      placingAuthority: null,
      placementInArea: null,
      school: null,
      socialWorkerEmail: null,
    },
    kind: 'missing_from_home',
    reportedAt: at('2026-06-08T20:00:00Z'),
    riskGrade: 'medium',
    policeRef: null,
    lastSeen: null,
    exploitationConcerns: [],
    ...rest,
  };
}
