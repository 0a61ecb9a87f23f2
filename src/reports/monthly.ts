import { atLocalTime, monthIndex, shiftMonth } from '../domain/calendar';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Database } from '../store/db';

/**
 * The monthly missing-panel figures (the Croydon scrutiny report's table, plus the 72-hour
 * timeliness the guidance asks for), computed in SQL over the months asked.
 *
 * - A month is a calendar month in the council's time zone; an episode counts in the month its
 *   report time falls in (23:30 on 31 March BST is March).
 * - Episodes of children looked after by another authority (OLA) are left out: their RHI is the
 *   placing authority's to do. An episode is OLA when the authority responsible for the child then
 *   was another council (kept on the episode when it was recorded, so a later move does not rewrite
 *   history); looked after means any responsible authority was recorded.
 * - Offered: the episode's RHI was offered (or done, which needs an offer). Done: completed.
 * - Within due: completed no later than RHI_DUE_HOURS after the return of the episode it follows
 *   (an RHI covering several episodes can be in time for one and late for another).
 * - Not answered within the chase window: the episode came back, RHI_CHASE_DAYS have passed since,
 *   and its RHI was neither completed within them nor declined after an offer (a decline records no
 *   time of its own, so it counts as an answer whenever it came).
 * - Percentages have two decimals, as the Croydon table; nothing to divide gives 0.
 */

export interface MonthlyFigures {
  month: string;
  childrenMissing: number;
  childrenOfferedRhi: number;
  childrenWithRhiDone: number;
  episodes: number;
  episodesWithRhiDone: number;
  rhiOfferRateChildrenPct: number;
  episodesWithRhiDonePct: number;
  lacEpisodesWithRhiDonePct: number;
  rhisCompletedWithinDuePct: number;
  episodesNotAnsweredWithinChase: number;
  olaEpisodesExcluded: number;
}

/** The columns in order, with the heading each has in a CSV file and in the table people read. */
export const MONTHLY_COLUMNS: readonly { key: keyof MonthlyFigures; heading: string; short: string }[] = [
  { key: 'month', heading: 'Month', short: 'Month' },
  { key: 'childrenMissing', heading: 'Children missing', short: 'Children missing' },
  { key: 'childrenOfferedRhi', heading: 'Children offered an RHI', short: 'Offered an RHI' },
  { key: 'childrenWithRhiDone', heading: 'Children with an RHI done', short: 'With an RHI done' },
  { key: 'episodes', heading: 'Episodes', short: 'Episodes' },
  { key: 'episodesWithRhiDone', heading: 'Episodes with an RHI done', short: 'Episodes, RHI done' },
  { key: 'rhiOfferRateChildrenPct', heading: 'RHI offer rate for children (%)', short: 'Offer rate %' },
  { key: 'episodesWithRhiDonePct', heading: 'Episodes with an RHI done (%)', short: 'Episodes done %' },
  { key: 'lacEpisodesWithRhiDonePct', heading: 'Looked-after episodes with an RHI done (%)', short: 'Looked after done %' },
  { key: 'rhisCompletedWithinDuePct', heading: 'RHIs done within the due time (%)', short: 'Done in time %' },
  { key: 'episodesNotAnsweredWithinChase', heading: 'Episodes with no RHI answer within the chase window', short: 'No answer in time' },
  { key: 'olaEpisodesExcluded', heading: 'Episodes of children placed by other authorities (left out)', short: 'OLA, left out' },
];

/** The most months one report covers: ten years. */
export const MAX_REPORT_MONTHS = 120;

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const monthSchema = z.string().regex(MONTH, 'must be a month as YYYY-MM, e.g. 2017-04');

/** The months from `from` to `to` inclusive, or the reason they cannot be reported. */
export function monthsBetween(from: string, to: string): string[] | string {
  if (!MONTH.test(from) || !MONTH.test(to)) return 'Give months as YYYY-MM, e.g. 2017-04.';
  const count = monthIndex(to) - monthIndex(from) + 1;
  if (count < 1) return `The first month (${from}) is after the last (${to}).`;
  if (count > MAX_REPORT_MONTHS) return `At most ${MAX_REPORT_MONTHS} months in one report (${from} to ${to} is ${count}).`;
  return Array.from({ length: count }, (_, offset) => shiftMonth(from, offset));
}

export interface ReportSettings {
  timeZone: string;
  localAuthority: string;
  rhiDueHours: number;
  rhiChaseDays: number;
}

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

/**
 * The figures for each month from `from` to `to` (YYYY-MM, checked by `monthsBetween`), one row a
 * month, empty months included. One statement: the episodes reported in those months (by the
 * report-time index), each with its RHI and flags worked out once, grouped by local month (the
 * children's figures count distinct children among the flagged rows).
 */
export async function monthlyFigures(db: Database, from: string, to: string, settings: ReportSettings, now: Date): Promise<MonthlyFigures[]> {
  const months = monthsBetween(from, to);
  if (typeof months === 'string') throw new RangeError(months);
  const starts = months.map((month) => atLocalTime(`${month}-01`, '00:00', settings.timeZone));
  const rows = await db.transaction(async (tx) => {
    // The sorts behind the children's distinct counts spill to disk at the default 4 MB over a few
    // years of history (a million episodes); 8 MB keeps them in memory, for this statement only.
    await tx.query(`set local work_mem = '8MB'`);
    return tx.query<Record<string, string | number>>(
    `with episodes_in as (
       -- offset 0 keeps this a subquery of its own: each row's flags are worked out once, not once
       -- for every figure that reads them.
       select e.child_id, width_bucket(e.reported_at, $2::timestamptz[]) as month_start,
              (e.responsible_authority is not null and lower(btrim(e.responsible_authority)) <> lower(btrim($3))) as ola,
              (e.responsible_authority is not null) as lac,
              (r.offered_at is not null or r.completed_at is not null) as offered,
              (r.completed_at is not null) as done,
              coalesce(r.completed_at <= e.returned_at + $4 * interval '1 hour', false) as done_in_time,
              (e.returned_at is not null and e.returned_at + $5 * interval '1 day' <= $6
                and not coalesce(r.completed_at <= e.returned_at + $5 * interval '1 day', false)
                and not coalesce(r.outcome = 'declined' and r.offered_at is not null, false)) as not_answered
         from episodes e
         left join return_interview_episodes re on re.episode_id = e.id
         left join return_interviews r on r.id = re.return_interview_id
        where e.reported_at >= $7 and e.reported_at < $8
       offset 0),
     per_month as (
       select month_start, count(distinct child_id) filter (where not ola) as children_missing,
              count(distinct child_id) filter (where not ola and offered) as children_offered,
              count(distinct child_id) filter (where not ola and done) as children_done, count(*) filter (where not ola) as episodes,
              count(*) filter (where not ola and done) as episodes_done, count(*) filter (where not ola and lac) as lac_episodes,
              count(*) filter (where not ola and lac and done) as lac_done, count(*) filter (where not ola and done_in_time) as done_in_time,
              count(*) filter (where not ola and not_answered) as not_answered, count(*) filter (where ola) as ola_excluded
         from episodes_in group by month_start)
     select m.month,
            coalesce(p.children_missing, 0)::int as children_missing, coalesce(p.children_offered, 0)::int as children_offered,
            coalesce(p.children_done, 0)::int as children_done, coalesce(p.episodes, 0)::int as episodes,
            coalesce(p.episodes_done, 0)::int as episodes_done, coalesce(p.lac_episodes, 0)::int as lac_episodes,
            coalesce(p.lac_done, 0)::int as lac_done, coalesce(p.done_in_time, 0)::int as done_in_time,
            coalesce(p.not_answered, 0)::int as not_answered, coalesce(p.ola_excluded, 0)::int as ola_excluded
       from unnest($1::text[]) with ordinality as m(month, month_start) left join per_month p on p.month_start = m.month_start
      order by m.month_start`,
    // Each month's first instant in the council's zone, worked out once: an episode's month is the
    // bucket its report time falls in (no time-zone sum per row), and the planner sees the bounds.
    [months, starts.map((start) => start.toISOString()), settings.localAuthority, settings.rhiDueHours, settings.rhiChaseDays, now, starts[0], atLocalTime(`${shiftMonth(to, 1)}-01`, '00:00', settings.timeZone)],
    );
  });
  return rows.map((row) => {
    const n = (key: string) => Number(row[key]);
    return {
      month: String(row.month),
      childrenMissing: n('children_missing'),
      childrenOfferedRhi: n('children_offered'),
      childrenWithRhiDone: n('children_done'),
      episodes: n('episodes'),
      episodesWithRhiDone: n('episodes_done'),
      rhiOfferRateChildrenPct: pct(n('children_offered'), n('children_missing')),
      episodesWithRhiDonePct: pct(n('episodes_done'), n('episodes')),
      lacEpisodesWithRhiDonePct: pct(n('lac_done'), n('lac_episodes')),
      rhisCompletedWithinDuePct: pct(n('done_in_time'), n('episodes_done')),
      episodesNotAnsweredWithinChase: n('not_answered'),
      olaEpisodesExcluded: n('ola_excluded'),
    };
  });
}

/** A percentage as the Croydon table prints it (two decimals); counts as they are. */
export function formatFigure(key: keyof MonthlyFigures, value: string | number): string {
  return key.endsWith('Pct') ? (value as number).toFixed(2) : String(value);
}

/** The figures as CSV: a header of the headings, a line a month, percentages with two decimals. */
export function monthlyCsv(rows: readonly MonthlyFigures[]): string {
  return stringify(
    rows.map((row) => MONTHLY_COLUMNS.map((column) => formatFigure(column.key, row[column.key]))),
    { header: true, columns: MONTHLY_COLUMNS.map((column) => column.heading), record_delimiter: 'windows' },
  );
}

/**
 * The figures as the Croydon table lays them out: a line a figure, a column a month (twelve months a
 * block, so a long report stays readable in a terminal).
 */
export function figuresTable(rows: readonly MonthlyFigures[]): string {
  const blocks: string[] = [];
  for (let start = 0; start < rows.length; start += 12) {
    const months = rows.slice(start, start + 12);
    const labels = MONTHLY_COLUMNS.slice(1).map((column) => column.heading);
    const width = Math.max(...labels.map((label) => label.length));
    const cells = (key: keyof MonthlyFigures) => months.map((row) => formatFigure(key, row[key]).padStart(8));
    blocks.push(
      [
        `${''.padEnd(width)}  ${months.map((row) => row.month.padStart(8)).join('')}`,
        ...MONTHLY_COLUMNS.slice(1).map((column) => `${column.heading.padEnd(width)}  ${cells(column.key).join('')}`),
      ].join('\n'),
    );
  }
  return blocks.join('\n\n');
}
