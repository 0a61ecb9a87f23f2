import assert from 'node:assert/strict';
import { importEpisodesCsv } from '../../src/import/importer';
import { MONTHLY_COLUMNS, monthlyCsv, monthlyFigures, monthsBetween } from '../../src/reports/monthly';
import { forEachDriver } from '../support/databases';
import { SETTINGS } from '../support/fixtures';
import { context } from '../support/recording';
import { MONTHLY_CSV, MONTHLY_EXPECTED, MONTHLY_NOW } from './fixtures';

forEachDriver('the monthly missing-panel figures', (db) => {
  beforeEach(async () => {
    const imported = await importEpisodesCsv(db(), MONTHLY_CSV, context({ now: MONTHLY_NOW }), { skipInvalid: false, timeZone: 'Europe/London' });
    assert.equal(imported.rejected, false, JSON.stringify(imported.problems));
  });

  it('counts each figure of the Croydon table, OLAs left out, an RHI covering two episodes, an empty month as zeros', async () => {
    assert.deepEqual(await monthlyFigures(db(), '2026-02', '2026-05', SETTINGS, MONTHLY_NOW), MONTHLY_EXPECTED);
  });

  it('places 23:30 on the last day of March (BST) in March, not April as UTC would', async () => {
    const [march] = await monthlyFigures(db(), '2026-03', '2026-03', { ...SETTINGS, timeZone: 'Europe/London' }, MONTHLY_NOW);
    assert.equal(march!.episodes, 5);
    const [utcMarch] = await monthlyFigures(db(), '2026-03', '2026-03', { ...SETTINGS, timeZone: 'UTC' }, MONTHLY_NOW);
    assert.equal(utcMarch!.episodes, 5, 'in UTC 22:30 on the 31st is March too');
    const [utcApril] = await monthlyFigures(db(), '2026-04', '2026-04', { ...SETTINGS, timeZone: 'Asia/Tokyo' }, MONTHLY_NOW);
    assert.equal(utcApril!.episodes, 3, 'in Tokyo it is already 1 April');
  });

  it('counts an unanswered RHI only once the chase window has passed', async () => {
    const early = await monthlyFigures(db(), '2026-03', '2026-04', SETTINGS, new Date('2026-04-09T06:00:00Z'));
    assert.deepEqual(early.map((row) => row.episodesNotAnsweredWithinChase), [0, 0], 'LAC-1 came back on 13 March: 27 days before');
    const later = await monthlyFigures(db(), '2026-03', '2026-04', SETTINGS, new Date('2026-04-10T10:00:00Z'));
    assert.deepEqual(later.map((row) => row.episodesNotAnsweredWithinChase), [1, 0]);
  });

  it('counts an RHI done exactly at the due time as in time, and a second later as late', async () => {
    const header = MONTHLY_CSV.split('\n')[0];
    const rows = [
      'DUE-1,Lu,Synthetic,2011-01-01,N,,home,2026-01-05T10:00,2026-01-05T12:00:00,low,,DUE-R1,2026-01-06T09:00,accepted,2026-01-08T12:00:00,in_house',
      'DUE-2,Mo,Synthetic,2011-01-01,N,,home,2026-01-12T10:00,2026-01-12T12:00:00,low,,DUE-R2,2026-01-13T09:00,accepted,2026-01-15T12:00:01,in_house',
    ];
    await importEpisodesCsv(db(), [header, ...rows].join('\n'), context({ now: MONTHLY_NOW }), { skipInvalid: false, timeZone: 'Europe/London' });
    const [january] = await monthlyFigures(db(), '2026-01', '2026-01', SETTINGS, MONTHLY_NOW);
    assert.deepEqual([january!.episodesWithRhiDone, january!.rhisCompletedWithinDuePct], [2, 50]);
  });

  it('writes the same figures as CSV: the headings, then a line a month with two-decimal percentages', async () => {
    const csv = monthlyCsv(await monthlyFigures(db(), '2026-02', '2026-05', SETTINGS, MONTHLY_NOW));
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], MONTHLY_COLUMNS.map((column) => column.heading).join(','));
    assert.equal(lines[2], '2026-03,4,4,3,5,4,100.00,80.00,50.00,75.00,1,1');
    assert.equal(lines.length, 5);
  });
});

describe('the months a report covers', () => {
  it('runs from the first month to the last, across a year end', () => {
    assert.deepEqual(monthsBetween('2017-11', '2018-02'), ['2017-11', '2017-12', '2018-01', '2018-02']);
  });

  it('refuses months the wrong way round, too many, or not months, saying why', () => {
    assert.equal(monthsBetween('2018-02', '2017-11'), 'The first month (2018-02) is after the last (2017-11).');
    assert.equal(monthsBetween('2000-01', '2026-01'), 'At most 120 months in one report (2000-01 to 2026-01 is 313).');
    assert.equal(monthsBetween('2017-13', '2018-01'), 'Give months as YYYY-MM, e.g. 2017-04.');
  });
});
