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

/** Signs a subject (what a link opens) with an expiry, and checks a signature given back. */
export function linkSigner(secret: string) {
  const sign = (subject: string, expires: string) => createHmac('sha256', secret).update(`${subject}.${expires}`).digest('base64url');
  return {
    /** The query that opens `subject` until `hours` after `now`. */
    query(subject: string, now: Date, hours: number): string {
      const expires = String(Math.floor(now.getTime() / 1000) + hours * 3600);
      return `expires=${expires}&sig=${sign(subject, expires)}`;
    },
    verify(subject: string, expires: string, signature: string, now: Date): boolean {
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now.getTime()) return false;
      const expected = Buffer.from(sign(subject, expires));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

export function inviteLinks(secret: string, baseUrl: () => string): InviteLinks {
  const signer = linkSigner(secret);
  return {
    linkFor: (meetingId, now) => `${baseUrl()}/meetings/${meetingId}/invite.ics?${signer.query(meetingId, now, LINK_HOURS)}`,
    verify: (meetingId, expires, signature, now) => signer.verify(meetingId, expires, signature, now),
  };
}

/** How long a link to a month's figures works: until well after the next month's card. */
export const REPORT_LINK_DAYS = 45;

export interface ReportLinks {
  /** The absolute link to the figures from `from` to `to` as CSV, or null when the service has no public address. */
  csvFor(from: string, to: string, now: Date): string | null;
  verify(from: string, to: string, expires: string, signature: string, now: Date): boolean;
}

/**
 * Signed links to the monthly figures as CSV, for the card's download button: counts only, never a
 * child; the signature covers the months, so a link opens the months it was made for.
 */
export function reportLinks(secret: string, baseUrl: () => string | null): ReportLinks {
  const signer = linkSigner(secret);
  const subject = (from: string, to: string) => `monthly:${from}:${to}`;
  return {
    csvFor(from, to, now) {
      const base = baseUrl();
      return base ? `${base}/reports/monthly.csv?from=${from}&to=${to}&${signer.query(subject(from, to), now, REPORT_LINK_DAYS * 24)}` : null;
    },
    verify: (from, to, expires, signature, now) => signer.verify(subject(from, to), expires, signature, now),
  };
}
