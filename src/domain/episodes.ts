import { formatLocal } from './calendar';
import { DomainError } from './errors';
import type { Child, Episode } from './types';

type Interval = Pick<Episode, 'id' | 'reportedAt' | 'returnedAt'>;

/**
 * Episodes of one child may not overlap: a child cannot go missing again while still missing.
 * Intervals are half-open [reported, returned), so a new episode may start at the very instant the
 * previous one ended. An open episode runs to infinity. An episode that ended as it began (SSDA903
 * dates can say so) still occupies its instant: it lasts at least a millisecond here.
 */
export function overlaps(a: Interval, b: Interval): boolean {
  const end = (interval: Interval) => Math.max(interval.returnedAt?.getTime() ?? Number.POSITIVE_INFINITY, interval.reportedAt.getTime() + 1);
  return a.reportedAt.getTime() < end(b) && b.reportedAt.getTime() < end(a);
}

/** Refuses an episode that overlaps another of the same child, saying which (in local time) and what to do. */
export function assertNoOverlap(candidate: Interval, existing: Interval[], timeZone: string, path: 'reportedAt' | 'returnedAt' = 'reportedAt'): void {
  const clash = existing.find((other) => other.id !== candidate.id && overlaps(candidate, other));
  if (clash) {
    const from = formatLocal(clash.reportedAt, timeZone);
    const message = clash.returnedAt
      ? `This child has another episode from ${from} to ${formatLocal(clash.returnedAt, timeZone)}: check the times.`
      : `This child is already recorded as missing since ${from}: record that return first, or check the times.`;
    throw new DomainError('overlapping_episode', message, [{ path, message, otherId: clash.id }]);
  }
}

export function assertReturnAfterReport(reportedAt: Date, returnedAt: Date | null, timeZone: string): void {
  if (returnedAt && returnedAt.getTime() < reportedAt.getTime()) {
    const message = `The return time is before the child was reported missing (${formatLocal(reportedAt, timeZone)}).`;
    throw new DomainError('validation', message, [{ path: 'returnedAt', message }]);
  }
}

/** How long after a return is recorded it can be corrected from the card (the 72-hour clock runs from it). */
export const RETURN_CORRECTION_HOURS = 24;

/** Whether a return recorded at `recordedAt` may still be corrected from Teams at `now`. */
export const returnCorrectable = (recordedAt: Date | null, now: Date) => recordedAt !== null && now.getTime() - recordedAt.getTime() <= RETURN_CORRECTION_HOURS * 3_600_000;

/** Another authority placed this looked-after child here: that authority owes the RHI. */
export function isOla(child: Pick<Child, 'lookedAfter' | 'placingAuthority'>, localAuthority: string): boolean {
  return child.lookedAfter && child.placingAuthority !== null && !sameAuthority(child.placingAuthority, localAuthority);
}

function sameAuthority(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The authorities recorded on each episode of a looked-after child: responsible (placing) and host
 * (where the child is placed), and whether the placement is inside the responsible authority's area.
 * All null for a child who is not looked after.
 */
export function authoritiesFor(
  child: Pick<Child, 'lookedAfter' | 'placingAuthority' | 'placementInArea'>,
  localAuthority: string,
): Pick<Episode, 'responsibleAuthority' | 'hostAuthority' | 'placementInArea'> {
  if (!child.lookedAfter) return { responsibleAuthority: null, hostAuthority: null, placementInArea: null };
  if (isOla(child, localAuthority)) {
    // Placed here by another council: out of that council's area, hosted by us.
    return { responsibleAuthority: child.placingAuthority, hostAuthority: localAuthority, placementInArea: false };
  }
  const inArea = child.placementInArea ?? true;
  // Our own child placed out of area: the host council's name is not part of the notification.
  return { responsibleAuthority: localAuthority, hostAuthority: inArea ? localAuthority : null, placementInArea: inArea };
}
