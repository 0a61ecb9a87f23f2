import { NATIVE_COLUMNS } from '../../src/import/csvRows';

/**
 * Invented episodes built to give known monthly figures (Europe/London, Demo Borough Council, the
 * report run on 9 June 2026 with RHIs due in 72 hours and chased for 28 days). Each line says what
 * it is for; `MONTHLY_EXPECTED` is what the report must say of them.
 */
export const MONTHLY_CSV = [
  [...NATIVE_COLUMNS, 'rhi_provider'].join(','),
  // HOME-1: two March episodes, one RHI covering both: late for the first return, in time for the second.
  'REP-HOME-1,Ann,Synthetic,2011-01-01,N,,home,2026-03-03T10:00,2026-03-03T20:00,medium,,REP-R1,2026-03-11T09:00,accepted,2026-03-12T09:00,in_house',
  'REP-HOME-1,Ann,Synthetic,2011-01-01,N,,home,2026-03-10T10:00,2026-03-10T20:00,medium,,REP-R1,,,,',
  // LAC-1: our own looked-after child; RHI offered, never answered (past the 28-day chase window).
  'REP-LAC-1,Bea,Synthetic,2010-01-01,Y,,care,2026-03-12T10:00,2026-03-13T10:00,high,,REP-R2,2026-03-13T12:00,,,',
  // OLA-1: placed here by another council: left out, though its RHI was done.
  'REP-OLA-1,Cy,Synthetic,2010-01-01,Y,Example County Council,care,2026-03-15T10:00,2026-03-15T12:00,low,,REP-R3,2026-03-15T13:00,accepted,2026-03-16T09:00,commissioned',
  // LAC-2: reported 23:30 on 31 March (BST): a March episode; back on 1 April, RHI done in April in time.
  'REP-LAC-2,Di,Synthetic,2010-01-01,Y,,away,2026-03-31T23:30,2026-04-01T10:00,medium,,REP-R4,2026-04-01T12:00,accepted,2026-04-02T10:00,social_worker',
  // HOME-2: back on 31 March, RHI done on 1 April: counted in March, in time.
  'REP-HOME-2,Ed,Synthetic,2011-01-01,N,,home,2026-03-30T10:00,2026-03-31T10:00,low,,REP-R5,2026-03-31T12:00,accepted,2026-04-01T09:00,in_house',
  // HOME-3: April, RHI offered and declined (an answer); then an April episode with no RHI at all.
  'REP-HOME-3,Flo,Synthetic,2011-01-01,N,,home,2026-04-10T10:00,2026-04-10T12:00,low,,REP-R6,2026-04-10T13:00,declined,,',
  'REP-HOME-3,Flo,Synthetic,2011-01-01,N,,home,2026-04-20T10:00,2026-04-20T11:00,low,,,,,,',
  // HOME-3 again in May, back ten days before the report: still inside the chase window.
  'REP-HOME-3,Flo,Synthetic,2011-01-01,N,,home,2026-05-30T10:00,2026-05-30T12:00,low,,,,,,',
].join('\n');

export const MONTHLY_NOW = new Date('2026-06-09T06:00:00Z');

const empty = (month: string) => ({
  month,
  childrenMissing: 0,
  childrenOfferedRhi: 0,
  childrenWithRhiDone: 0,
  episodes: 0,
  episodesWithRhiDone: 0,
  rhiOfferRateChildrenPct: 0,
  episodesWithRhiDonePct: 0,
  lacEpisodesWithRhiDonePct: 0,
  rhisCompletedWithinDuePct: 0,
  episodesNotAnsweredWithinChase: 0,
  olaEpisodesExcluded: 0,
});

/** February (nothing), March, April, May 2026. */
export const MONTHLY_EXPECTED = [
  empty('2026-02'),
  {
    month: '2026-03',
    childrenMissing: 4, // HOME-1, LAC-1, LAC-2, HOME-2 (OLA-1 left out)
    childrenOfferedRhi: 4,
    childrenWithRhiDone: 3, // not LAC-1
    episodes: 5,
    episodesWithRhiDone: 4,
    rhiOfferRateChildrenPct: 100,
    episodesWithRhiDonePct: 80,
    lacEpisodesWithRhiDonePct: 50, // LAC-1 no, LAC-2 yes
    rhisCompletedWithinDuePct: 75, // HOME-1's first return was 9 days before the RHI
    episodesNotAnsweredWithinChase: 1, // LAC-1
    olaEpisodesExcluded: 1,
  },
  {
    ...empty('2026-04'),
    childrenMissing: 1,
    childrenOfferedRhi: 1,
    episodes: 2,
    rhiOfferRateChildrenPct: 100,
    episodesNotAnsweredWithinChase: 1, // the one with no RHI; the declined one was answered
  },
  { ...empty('2026-05'), childrenMissing: 1, episodes: 1 },
];
