/** The vocabulary of the domain: plain records, no I/O. Times are UTC instants (Date). */

export const RISK_GRADES = ['no_apparent_risk', 'low', 'medium', 'high'] as const;
export type RiskGrade = (typeof RISK_GRADES)[number];

export const RISK_GRADE_LABELS: Record<RiskGrade, string> = {
  no_apparent_risk: 'No apparent risk',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

export const EPISODE_KINDS = ['missing_from_home', 'missing_from_care', 'away_without_authorisation'] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

export const EPISODE_KIND_LABELS: Record<EpisodeKind, string> = {
  missing_from_home: 'Missing from home',
  missing_from_care: 'Missing from care',
  away_without_authorisation: 'Away from placement',
};

export const EXPLOITATION_CONCERNS = ['cse', 'cce', 'county_lines', 'trafficking', 'radicalisation', 'other'] as const;
export type ExploitationConcern = (typeof EXPLOITATION_CONCERNS)[number];

export const EXPLOITATION_LABELS: Record<ExploitationConcern, string> = {
  cse: 'CSE',
  cce: 'CCE',
  county_lines: 'County lines',
  trafficking: 'Trafficking',
  radicalisation: 'Radicalisation',
  other: 'Other exploitation',
};

export const SAFE_AND_WELL = ['done', 'not_done'] as const;
export type SafeAndWell = (typeof SAFE_AND_WELL)[number];

export const RHI_OUTCOMES = ['accepted', 'declined', 'no_contact'] as const;
export type RhiOutcome = (typeof RHI_OUTCOMES)[number];

export const RHI_PROVIDERS = ['in_house', 'commissioned', 'spot_purchased', 'social_worker'] as const;
export type RhiProvider = (typeof RHI_PROVIDERS)[number];

export const AGENCIES = ['police', 'health', 'education', 'social-care', 'youth-justice', 'missing-team', 'management'] as const;
export type AgencyCode = (typeof AGENCIES)[number];

export const AGENCY_NAMES: Record<AgencyCode, string> = {
  police: 'Police',
  health: 'Health',
  education: 'Education',
  'social-care': 'Social care',
  'youth-justice': 'Youth justice',
  'missing-team': 'Missing team',
  management: 'Management',
};

export interface Child {
  id: string;
  ref: string;
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: string | null; // YYYY-MM-DD
  lookedAfter: boolean;
  /** null: this authority (or not looked after). */
  placingAuthority: string | null;
  placementInArea: boolean | null;
  school: string | null;
  /** The allocated social worker's email: invited to the child's meetings. */
  socialWorkerEmail: string | null;
}

export interface Episode {
  id: string;
  childId: string;
  kind: EpisodeKind;
  reportedAt: Date;
  returnedAt: Date | null;
  policeRef: string | null;
  riskGrade: RiskGrade | null;
  lastSeen: string | null;
  exploitationConcerns: ExploitationConcern[];
  safeAndWellCheck: SafeAndWell | null;
  /** For a looked-after child: the authority that owes the RHI, and the one where the child is placed. */
  responsibleAuthority: string | null;
  hostAuthority: string | null;
  placementInArea: boolean | null;
  /** For an OLA child: when the placing authority was told of the episode. */
  placingAuthorityNotifiedAt: Date | null;
}

export interface ReturnInterview {
  id: string;
  childId: string;
  externalRef: string | null;
  episodeIds: string[];
  offeredAt: Date | null;
  offeredBy: string | null;
  outcome: RhiOutcome | null;
  completedAt: Date | null;
  completedBy: string | null;
  provider: RhiProvider | null;
}
