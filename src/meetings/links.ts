import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to a meeting's invitation (.ics), for when no calendar is connected: the
 * link names the meeting and an expiry, and an HMAC of both with the service's secret. Anyone with a
 * valid link gets the invitation (case reference and time, never a child's name); nothing else.
 */

/** How long a link works. */
export const LINK_HOURS = 24;

export interface InviteLinks {
  /** The absolute link to a meeting's invitation, valid for LINK_HOURS from `now`. */
  linkFor(meetingId: string, now: Date): string;
  /** Whether a request's meeting, expiry and signature are valid at `now`. */
  verify(meetingId: string, expires: string, signature: string, now: Date): boolean;
}

export function inviteLinks(secret: string, baseUrl: () => string): InviteLinks {
  const sign = (meetingId: string, expires: string) => createHmac('sha256', secret).update(`${meetingId}.${expires}`).digest('base64url');
  return {
    linkFor(meetingId, now) {
      const expires = String(Math.floor(now.getTime() / 1000) + LINK_HOURS * 3600);
      return `${baseUrl()}/meetings/${meetingId}/invite.ics?expires=${expires}&sig=${sign(meetingId, expires)}`;
    },
    verify(meetingId, expires, signature, now) {
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now.getTime()) return false;
      const expected = Buffer.from(sign(meetingId, expires));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
