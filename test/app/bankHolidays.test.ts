import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bankHolidays, loadBankHolidays } from '../../src/app/bankHolidays';
import { listSettings } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { isWorkingDay } from '../../src/domain/calendar';
import { forEachDriver } from '../support/databases';
import { ROOT } from '../support/playground';

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

  it('does not load date-holidays at all when the days are kept (what a restart pays: 0.5 s)', function () {
    this.timeout(60_000);
    // A process of its own: this one has loaded the library already.
    const script = `
      const { openPglite } = require('./src/store/db'); const { migrate } = require('./src/store/migrate');
      const { loadBankHolidays } = require('./src/app/bankHolidays');
      (async () => {
        const db = await openPglite(); await migrate(db);
        const now = new Date('2026-11-30T12:00:00Z');
        await loadBankHolidays(db, 'ENG', [], now, { fileCache: null });
        const first = Object.keys(require.cache).some((file) => file.includes('/date-holidays/lib/'));
        for (const file of Object.keys(require.cache)) if (file.includes('/date-holidays')) delete require.cache[file];
        const days = await loadBankHolidays(db, 'ENG', [], now, { fileCache: null });
        const second = Object.keys(require.cache).some((file) => file.includes('/date-holidays/lib/'));
        console.log(JSON.stringify({ first, second, days: days.length }));
        await db.close();
      })();`;
    const result = spawnSync(process.execPath, ['--no-deprecation', '--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.deepEqual([seen.first, seen.second], [true, false], 'loaded to compute; not loaded to read the kept days');
    assert.ok(seen.days > 300, `${seen.days} days`);
  });
});

forEachDriver('bank holidays kept in the database', (db) => {
  const now = new Date('2026-11-30T12:00:00Z');
  const version = (require('date-holidays/package.json') as { version: string }).version;
  const kept = () => db().query<{ region: string; through_year: number; source: string; days: string[] }>('select region, through_year, source, days from bank_holiday_cache order by region');
  beforeEach(async () => db().exec('delete from bank_holiday_cache'));

  it('computes a region once, keeps it under the library’s version, and gives what the library gives', async () => {
    const days = await loadBankHolidays(db(), 'ENG', ['2026-12-24'], now);
    assert.deepEqual(days, bankHolidays('ENG', ['2026-12-24'], now), 'the same days as computed');
    const rows = await kept();
    assert.deepEqual(
      rows.map((row) => [row.region, row.through_year, row.source]),
      [['ENG', 2036, `date-holidays ${version}`]],
    );
    assert.ok(!rows[0]!.days.includes('2026-12-24'), 'a local closure is added each time, never kept with the nation’s days');
    assert.deepEqual(rows[0]!.days, bankHolidays('ENG', [], now));
  });

  it('reads the kept days on the next start rather than computing them', async () => {
    await loadBankHolidays(db(), 'ENG', [], now);
    // A marker only the kept row holds: read back, it shows the days came from the database.
    await db().query("update bank_holiday_cache set days = array['1999-01-01']");
    assert.deepEqual(await loadBankHolidays(db(), 'ENG', ['2026-12-24'], now), ['1999-01-01', '2026-12-24']);
  });

  it('computes again for another region, another decade or another version of the library', async () => {
    await db().query("insert into bank_holiday_cache (region, through_year, source, days) values ('ENG', 2036, 'date-holidays 0.0.1', array['1999-01-01']), ('ENG', 2035, $1, array['1999-01-01']), ('SCT', 2036, $1, array['1999-01-01'])", [`date-holidays ${version}`]);
    assert.deepEqual(await loadBankHolidays(db(), 'ENG', [], now), bankHolidays('ENG', [], now));
    assert.equal((await kept()).length, 4, 'the new key kept beside the others');
  });

  describe('kept in a file for the next new database on this install', () => {
    let cache: string;
    const file = () => join(cache, `date-holidays-${version}-ENG-2036.json`);
    beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'huddle-holidays-'))));
    afterEach(() => rmSync(cache, { recursive: true, force: true }));

    it('writes the computed days to the file, whole, and keeps them in the database too', async () => {
      assert.deepEqual(await loadBankHolidays(db(), 'ENG', [], now, { fileCache: cache }), bankHolidays('ENG', [], now));
      assert.deepEqual(readdirSync(cache), [`date-holidays-${version}-ENG-2036.json`], 'the file alone, nothing partial left');
      assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), bankHolidays('ENG', [], now));
      assert.deepEqual((await kept()).map((row) => row.days), [bankHolidays('ENG', [], now)]);
    });

    it('reads a new database’s days from the file rather than computing them, and keeps them in it', async () => {
      // A marker only the file holds: read back, it shows the days came from the file.
      writeFileSync(file(), JSON.stringify(['2000-06-15']));
      assert.deepEqual(await loadBankHolidays(db(), 'ENG', ['2026-12-24'], now, { fileCache: cache }), ['2000-06-15', '2026-12-24']);
      assert.deepEqual((await kept()).map((row) => row.days), [['2000-06-15']]);
    });

    it('computes and writes again over a file that is not a list of days', async () => {
      const notDays = [['tomorrow'], ['2026-02-30'], ['1999-12-27'], ['2037-01-01'], { days: ['2026-12-25'] }, Array(2_001).fill('2026-12-25')];
      for (const broken of ['{"half', '[]', ...notDays.map((days) => JSON.stringify(days))]) {
        await db().exec('delete from bank_holiday_cache');
        writeFileSync(file(), broken);
        assert.deepEqual(await loadBankHolidays(db(), 'ENG', [], now, { fileCache: cache }), bankHolidays('ENG', [], now), broken.slice(0, 20));
        assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), bankHolidays('ENG', [], now));
      }
    });

    it('computes them where the cache cannot be written, and leaves nothing there', async () => {
      const blocked = join(cache, 'a-file');
      writeFileSync(blocked, 'not a directory');
      assert.deepEqual(await loadBankHolidays(db(), 'ENG', [], now, { fileCache: join(blocked, 'cache') }), bankHolidays('ENG', [], now));
      assert.equal(existsSync(join(blocked, 'cache')), false);
      assert.deepEqual(readdirSync(cache), ['a-file']);
    });
  });

  it('keeps nothing for no region', async () => {
    assert.deepEqual(await loadBankHolidays(db(), 'none', ['2026-12-24'], now), ['2026-12-24']);
    assert.deepEqual(await kept(), []);
  });
});
