import assert from 'node:assert/strict';
import { monthlyKpis } from '../../src/domain/kpi';
import { aChild, anEpisode, anRhi, at, LOCAL_AUTHORITY } from '../support/fixtures';

describe('monthly KPIs', () => {
  const settings = { timeZone: 'Europe/London', localAuthority: LOCAL_AUTHORITY, rhiDueHours: 72 };
  const home = aChild();
  const lac = aChild({ lookedAfter: true });
  const ola = aChild({ lookedAfter: true, placingAuthority: 'Example County Council' });
  const e1 = anEpisode(home, { reportedAt: at('2026-03-03T10:00:00Z'), returnedAt: at('2026-03-03T20:00:00Z') });
  const e2 = anEpisode(home, { reportedAt: at('2026-03-10T10:00:00Z'), returnedAt: at('2026-03-10T20:00:00Z') });
  const e3 = anEpisode(lac, { kind: 'missing_from_care', reportedAt: at('2026-03-12T10:00:00Z'), returnedAt: at('2026-03-13T10:00:00Z') });
  const e4 = anEpisode(ola, { kind: 'missing_from_care', reportedAt: at('2026-03-15T10:00:00Z'), returnedAt: at('2026-03-15T12:00:00Z') });
  // 00:30 on 1 April BST is 23:30 on 31 March UTC: an April episode locally.
  const april = anEpisode(lac, { kind: 'missing_from_care', reportedAt: at('2026-03-31T23:30:00Z') });
  const input = {
    children: [home, lac, ola],
    episodes: [e1, e2, e3, e4, april],
    returnInterviews: [
      anRhi([e1, e2], { offeredAt: at('2026-03-11T09:00:00Z'), outcome: 'accepted', completedAt: at('2026-03-12T09:00:00Z') }), // one RHI, two episodes; late for e1
      anRhi([e3], { offeredAt: at('2026-03-13T12:00:00Z') }),
      anRhi([e4], { offeredAt: at('2026-03-15T13:00:00Z'), completedAt: at('2026-03-16T09:00:00Z') }),
    ],
  };

  it('excludes children placed by other authorities and counts the Croydon table', () => {
    const kpis = monthlyKpis('2026-03', input, settings);
    assert.deepEqual(kpis, {
      month: '2026-03',
      childrenMissing: 2,
      childrenOfferedRhi: 2,
      childrenWithRhiDone: 1,
      episodes: 3,
      episodesWithRhiDone: 2,
      rhiOfferRateChildren: 100,
      episodesWithRhiDonePct: 66.7,
      lacEpisodesWithRhiDonePct: 0,
      rhisCompletedWithinDuePct: 50,
      olaEpisodesExcluded: 1,
    });
  });

  it('places an episode in the local month, not the UTC one', () => {
    assert.equal(monthlyKpis('2026-04', input, settings).episodes, 1);
  });

  it('answers null percentages for an empty month rather than dividing by zero', () => {
    const kpis = monthlyKpis('2026-01', input, settings);
    assert.equal(kpis.rhiOfferRateChildren, null);
    assert.equal(kpis.episodesWithRhiDonePct, null);
  });
});
