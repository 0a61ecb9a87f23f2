import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertNoOverlap, authoritiesFor, isOla, overlaps } from '../../src/domain/episodes';
import { DomainError } from '../../src/domain/errors';
import { aChild, anEpisode, at, LOCAL_AUTHORITY } from '../support/fixtures';

describe('episodes of one child', () => {
  const child = aChild();
  const closed = anEpisode(child, { reportedAt: at('2026-04-01T10:00:00Z'), returnedAt: at('2026-04-02T10:00:00Z') });

  it('rejects a new episode that starts while another is open', () => {
    const open = anEpisode(child, { reportedAt: at('2026-04-05T10:00:00Z') });
    assert.throws(
      () => assertNoOverlap({ id: 'new', reportedAt: at('2026-04-06T10:00:00Z'), returnedAt: null }, [open], 'Europe/London'),
      (error: DomainError) => error.code === 'overlapping_episode' && error.message === 'This child is already recorded as missing since 11:00 Sun 5 Apr: record that return first, or check the times.',
    );
  });

  it('rejects one that starts inside a closed episode', () => {
    assert.throws(() => assertNoOverlap({ id: 'new', reportedAt: at('2026-04-01T20:00:00Z'), returnedAt: null }, [closed], 'Europe/London'), DomainError);
  });

  it('accepts one that starts at the very instant the previous one ended', () => {
    assert.doesNotThrow(() => assertNoOverlap({ id: 'new', reportedAt: at('2026-04-02T10:00:00Z'), returnedAt: null }, [closed], 'Europe/London'));
  });

  it('does not compare an episode with itself when its own times change', () => {
    assert.doesNotThrow(() => assertNoOverlap({ ...closed, returnedAt: at('2026-04-03T10:00:00Z') }, [closed], 'Europe/London'));
  });

  it('treats an episode that ended as it began as taking its instant', () => {
    const instant = { id: 'new', reportedAt: at('2026-04-01T12:00:00Z'), returnedAt: at('2026-04-01T12:00:00Z') };
    assert.equal(overlaps(instant, closed), true);
    assert.equal(overlaps({ ...instant, reportedAt: closed.returnedAt!, returnedAt: closed.returnedAt! }, closed), false);
  });

  it('decides overlap as the minutes two episodes occupy say (property)', () => {
    // An independent oracle: on whole minutes an episode occupies each minute from its report up
    // to, not including, its return (an open one to the end of the range), and one that ended as
    // it began its first minute. Two episodes overlap when they share a minute.
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 1000 }), fc.option(fc.integer({ min: 0, max: 1000 })))
      .map(([start, length]) => ({ id: 'x', reportedAt: new Date(start * 60_000), returnedAt: length === null ? null : new Date((start + length) * 60_000) }));
    const occupied = (episode: { reportedAt: Date; returnedAt: Date | null }) => {
      const start = episode.reportedAt.getTime() / 60_000;
      const end = episode.returnedAt === null ? 2_001 : Math.max(episode.returnedAt.getTime() / 60_000, start + 1);
      return new Set(Array.from({ length: end - start }, (_, index) => start + index));
    };
    fc.assert(
      fc.property(interval, interval, (a, b) => {
        const minutesOfB = occupied(b);
        const expected = [...occupied(a)].some((minute) => minutesOfB.has(minute));
        return overlaps(a, b) === expected && overlaps(b, a) === expected && overlaps(a, a);
      }),
    );
  });
});

describe('looked-after children and other local authorities', () => {
  it('treats a child placed here by another council as OLA, and our own or a non-LAC child as not', () => {
    assert.equal(isOla(aChild({ lookedAfter: true, placingAuthority: 'Example County Council' }), LOCAL_AUTHORITY), true);
    assert.equal(isOla(aChild({ lookedAfter: true, placingAuthority: null }), LOCAL_AUTHORITY), false);
    assert.equal(isOla(aChild({ lookedAfter: true, placingAuthority: ' demo borough council ' }), LOCAL_AUTHORITY), false);
    assert.equal(isOla(aChild({ lookedAfter: false, placingAuthority: 'Example County Council' }), LOCAL_AUTHORITY), false);
  });

  it('records the placing authority as responsible and this one as host for an OLA child', () => {
    assert.deepEqual(authoritiesFor(aChild({ lookedAfter: true, placingAuthority: 'Example County Council' }), LOCAL_AUTHORITY), {
      responsibleAuthority: 'Example County Council',
      hostAuthority: LOCAL_AUTHORITY,
      placementInArea: false,
    });
  });

  it('records our own looked-after child placed in or out of area', () => {
    assert.deepEqual(authoritiesFor(aChild({ lookedAfter: true, placementInArea: true }), LOCAL_AUTHORITY), {
      responsibleAuthority: LOCAL_AUTHORITY,
      hostAuthority: LOCAL_AUTHORITY,
      placementInArea: true,
    });
    assert.equal(authoritiesFor(aChild({ lookedAfter: true, placementInArea: false }), LOCAL_AUTHORITY).placementInArea, false);
  });

  it('records no authorities for a child who is not looked after', () => {
    assert.deepEqual(authoritiesFor(aChild(), LOCAL_AUTHORITY), { responsibleAuthority: null, hostAuthority: null, placementInArea: null });
  });
});
