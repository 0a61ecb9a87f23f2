import { format } from 'date-fns/format';
import { parseISO } from 'date-fns/parseISO';
import { renderCard, type CardJson } from '../cards/render';
import { shiftMonth } from '../domain/calendar';
import type { ReportLinks } from '../meetings/links';
import type { Database } from '../store/db';
import { MONTHLY_COLUMNS, monthlyFigures, type MonthlyFigures, type ReportSettings } from './monthly';

/** Months in the card's table and chart, as the Croydon report shows them. */
export const CARD_MONTHS = 8;

const monthName = (month: string, pattern = 'MMMM yyyy') => format(parseISO(`${month}-01`), pattern);

/** The month's figures card for `month`: that month and the seven before, with the CSV link. */
export async function monthlyCardFor(db: Database, month: string, now: Date, settings: ReportSettings, links: ReportLinks | null): Promise<CardJson> {
  const first = shiftMonth(month, -(CARD_MONTHS - 1));
  const rows = await monthlyFigures(db, first, month, settings, now);
  return monthlyReportCard(rows, settings, links?.csvFor(first, month, now) ?? null);
}

/**
 * The month's figures as a card: the month's own figures first, a grouped bar chart of children
 * missing, offered and with an RHI done (Teams draws it; a client that cannot simply leaves it
 * out), then the last eight months as the Croydon table lays them out (a line a figure, a column a
 * month), and a link to the CSV when the service has a public address. Counts only: no child.
 */
export function monthlyReportCard(months: readonly MonthlyFigures[], settings: Pick<ReportSettings, 'timeZone' | 'rhiDueHours' | 'rhiChaseDays'>, csvUrl: string | null): CardJson {
  const latest = months.at(-1)!;
  const pct = (value: number) => `${value.toFixed(2)}%`;
  const first = months[0]!.month;
  return renderCard('monthly-report', {
    monthName: monthName(latest.month),
    subtitle: `Calendar months in ${settings.timeZone}; each episode in the month it was reported. Children placed here by other authorities are left out: their RHI is their placing authority's.`,
    headline: [
      { title: 'Children missing', value: String(latest.childrenMissing) },
      { title: 'Offered an RHI', value: `${latest.childrenOfferedRhi} (${pct(latest.rhiOfferRateChildrenPct)} of children missing)` },
      { title: 'With an RHI done', value: String(latest.childrenWithRhiDone) },
      { title: 'Episodes', value: `${latest.episodes}, ${latest.episodesWithRhiDone} with an RHI done (${pct(latest.episodesWithRhiDonePct)})` },
      { title: 'Looked-after episodes with an RHI done', value: pct(latest.lacEpisodesWithRhiDonePct) },
      { title: `RHIs done within ${settings.rhiDueHours} hours`, value: pct(latest.rhisCompletedWithinDuePct) },
      { title: `No RHI answer within ${settings.rhiChaseDays} days`, value: `${latest.episodesNotAnsweredWithinChase} episode${latest.episodesNotAnsweredWithinChase === 1 ? '' : 's'}` },
    ],
    series: [
      { legend: 'Children missing', key: 'childrenMissing' },
      { legend: 'Offered an RHI', key: 'childrenOfferedRhi' },
      { legend: 'With an RHI done', key: 'childrenWithRhiDone' },
    ].map((series) => ({ legend: series.legend, values: months.map((row) => ({ x: monthName(row.month, 'MMM'), y: row[series.key as keyof MonthlyFigures] as number })) })),
    chartAxis: first.slice(0, 4) === latest.month.slice(0, 4) ? `Month (${latest.month.slice(0, 4)})` : `Month (${monthName(first, 'MMM yyyy')} to ${monthName(latest.month, 'MMM yyyy')})`,
    tableTitle: `The last ${months.length} months (${monthName(first, 'MMM yyyy')} to ${monthName(latest.month, 'MMM yyyy')})`,
    columns: [{ width: 2 }, ...months.map(() => ({ width: 1 }))],
    rows: [
      { style: 'accent', cells: [{ text: 'Figure', weight: 'Bolder', align: 'Left' }, ...months.map((row) => ({ text: monthName(row.month, 'MMM'), weight: 'Bolder', align: 'Right' }))] },
      ...MONTHLY_COLUMNS.slice(1).map((column) => ({
        style: 'default',
        cells: [
          { text: column.short, weight: 'Default', align: 'Left' },
          // Whole percentages here, so eight months fit a card; the figures above and the CSV have two decimals.
          ...months.map((row) => ({ text: column.key.endsWith('Pct') ? String(Math.round(row[column.key] as number)) : String(row[column.key]), weight: 'Default', align: 'Right' })),
        ],
      })),
    ],
    notes: `Offered: the RHI was offered (or done). Done: completed. In time: within ${settings.rhiDueHours} hours of the return it follows. No answer in time: back ${settings.rhiChaseDays} days or more with the RHI neither done nor declined. OLA: children placed here by other authorities, not counted above. Rates in the table are whole percentages; the CSV has every figure to two decimals with its full heading.`,
    csvUrl: csvUrl ?? '',
  });
}
