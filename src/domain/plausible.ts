/**
 * What a date may plausibly be in this service, in one place for the API, the import and the cards:
 * a value outside these bounds is a typing slip (year 0001, a birth in 2099), refused rather than
 * stored to show "17,758,615 hours missing".
 */

/** No episode, return or interview is recorded before this, nor after EVENT_LATEST_YEAR. */
export const EVENT_EARLIEST_YEAR = 2000;
export const EVENT_LATEST_YEAR = 2100;
/** Children and care leavers the service follows are at most this old. */
export const MAX_AGE_YEARS = 25;
/** A date of birth is in these years at the widest; the service checks it against today as well. */
export const BIRTH_EARLIEST_YEAR = 1950;

const yearOf = (value: string) => Number(value.slice(0, 4));

/** A YYYY-MM-DD or ISO date-time whose year is one an event of this service can have. */
export const isPlausibleEventDate = (value: string) => yearOf(value) >= EVENT_EARLIEST_YEAR && yearOf(value) <= EVENT_LATEST_YEAR;

export const EVENT_DATE_MESSAGE = `must be between ${EVENT_EARLIEST_YEAR} and ${EVENT_LATEST_YEAR}`;

/** A problem with a date of birth on `today` (YYYY-MM-DD), or null when it is plausible. */
export function dateOfBirthProblem(dateOfBirth: string, today: string): string | null {
  if (dateOfBirth > today) return 'is in the future';
  if (yearOf(dateOfBirth) < Math.max(BIRTH_EARLIEST_YEAR, yearOf(today) - MAX_AGE_YEARS - 1)) return `makes the child older than ${MAX_AGE_YEARS}`;
  return null;
}
