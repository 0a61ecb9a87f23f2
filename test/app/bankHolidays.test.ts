import assert from 'node:assert/strict';
import { bankHolidays } from '../../src/app/bankHolidays';
import { listSettings } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { isWorkingDay } from '../../src/domain/calendar';

describe('bank holidays', () => {
  const now = new Date('2026-11-30T12:00:00Z');

  it('knows England and Wales’s bank holidays by default, substitute days included, with local closures added', () => {
    const days = listSettings(loadConfig({ BANK_HOLIDAYS: '2026-12-24' }), now).bankHolidays;
    for (const day of ['2026-08-31', '2026-12-25', '2026-12-28', '2027-01-01', '2027-03-26', '2026-12-24']) assert.ok(days.includes(day), day);
    assert.equal(isWorkingDay('2026-12-28', days), false, 'Boxing Day falls on a Saturday: the Monday is the substitute');
    assert.equal(isWorkingDay('2026-12-29', days), true);
  });

  it('follows the configured nation (Scotland keeps 2 January and St Andrew’s Day), or none', () => {
    const scotland = bankHolidays('SCT', [], now);
    assert.ok(scotland.includes('2026-01-02'));
    assert.ok(!bankHolidays('ENG', [], now).includes('2026-01-02'));
    assert.deepEqual(bankHolidays('none', ['2026-12-24'], now), ['2026-12-24']);
    assert.throws(() => loadConfig({ BANK_HOLIDAY_REGION: 'FR' }), /BANK_HOLIDAY_REGION/);
  });

  it('covers history and the decade ahead, for lists of any date', () => {
    const days = bankHolidays('ENG', [], now);
    assert.ok(days.includes('2000-12-25'));
    assert.ok(days.includes('2036-12-25'));
  });
});
