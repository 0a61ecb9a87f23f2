import assert from 'node:assert/strict';
import { CsvFormatError, NATIVE_COLUMNS, parseEpisodesCsv, parseTime } from '../../src/import/csvRows';

const HEADER = NATIVE_COLUMNS.join(',');
const TZ = 'Europe/London';

describe('reading episode CSV files', () => {
  it('reads the native format with local times, offsets and a shared RHI', () => {
    const parsed = parseEpisodesCsv(
      [
        HEADER,
        'CSV-1,Ada,Sample,2011-05-01,N,,home,2026-06-01T10:00,2026-06-01T20:00:00Z,medium,POL-1,RHI-1,2026-06-02T09:00,accepted,2026-06-03T09:00',
        'CSV-1,Ada,Sample,2011-05-01,N,,home,2026-06-03 10:00,2026-06-03T12:00+01:00,low,POL-2,RHI-1,,,',
        'CSV-2,Ben,Example,,Y,Example County Council,care,2026-01-10T10:00,,high,,,,,',
      ].join('\n'),
      TZ,
    );
    assert.equal(parsed.format, 'native');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.rows.length, 3);
    const [first, second, third] = parsed.rows;
    assert.equal(first!.reportedAt.toISOString(), '2026-06-01T09:00:00.000Z'); // 10:00 BST
    assert.equal(first!.returnedAt!.toISOString(), '2026-06-01T20:00:00.000Z');
    assert.equal(second!.returnedAt!.toISOString(), '2026-06-03T11:00:00.000Z');
    assert.equal(first!.rhi?.ref, 'RHI-1');
    assert.equal(second!.rhi?.ref, 'RHI-1');
    assert.equal(third!.reportedAt.toISOString(), '2026-01-10T10:00:00.000Z'); // GMT in winter
    assert.equal(third!.child.placingAuthority, 'Example County Council');
    assert.equal(third!.kind, 'missing_from_care');
  });

  it('reads the SSDA903 Missing table as looked-after episodes from local midnight', () => {
    const parsed = parseEpisodesCsv('CHILD,DOB,MISSING,MIS_START,MIS_END\nSYN001,01/05/2011,M,01/06/2026,03/06/2026\nSYN002,,A,15/01/2026,\n', TZ);
    assert.equal(parsed.format, 'ssda903');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.rows[0]!.kind, 'missing_from_care');
    assert.equal(parsed.rows[0]!.child.lookedAfter, true);
    assert.equal(parsed.rows[0]!.child.dateOfBirth, '2011-05-01');
    assert.equal(parsed.rows[0]!.reportedAt.toISOString(), '2026-05-31T23:00:00.000Z');
    assert.equal(parsed.rows[1]!.kind, 'away_without_authorisation');
    assert.equal(parsed.rows[1]!.returnedAt, null);
  });

  it('lists every bad row with its line, column and reason', () => {
    const parsed = parseEpisodesCsv(
      [
        HEADER,
        ',Ada,Sample,2011-05-01,N,,home,2026-06-01T10:00,,,,,,,', // no child ref
        'CSV-3,Ada,Sample,01/05/2011,X,,moon,yesterday,,extreme,,,,,', // five problems
        'CSV-4,Ada,Sample,,N,,home,2026-06-01T10:00,2026-05-01T10:00,,,RHI-2,,maybe,', // return before report, bad outcome
      ].join('\n'),
      TZ,
    );
    const byLine = (line: number) => parsed.problems.filter((problem) => problem.line === line).map((problem) => problem.column);
    assert.deepEqual(byLine(2), ['child_ref']);
    assert.deepEqual(byLine(3).sort(), ['date_of_birth', 'episode_kind', 'looked_after', 'reported_at'].sort());
    assert.deepEqual(byLine(4).sort(), ['returned_at', 'rhi_outcome'].sort());
    assert.equal(parsed.rows.length, 0);
  });

  it('flags a row that repeats an earlier episode of the same file', () => {
    const row = 'CSV-5,Ada,Sample,,N,,home,2026-06-01T10:00,,,POL-5,,,,';
    const parsed = parseEpisodesCsv([HEADER, row, row].join('\n'), TZ);
    assert.deepEqual(parsed.problems, [{ line: 3, column: 'police_ref', message: 'repeats the episode on line 2' }]);
  });

  it('refuses a local time inside the spring-forward gap instead of moving it', () => {
    assert.match(parseTime('2026-03-29T01:30', TZ) as string, /does not exist in Europe\/London/);
    assert.equal((parseTime('2026-03-29T02:30', TZ) as Date).toISOString(), '2026-03-29T01:30:00.000Z');
  });

  it('names the columns each format needs when the header is neither', () => {
    assert.throws(() => parseEpisodesCsv('child,when\nA,B\n', TZ), (error: Error) => error instanceof CsvFormatError && /child_ref/.test(error.message) && /MIS_START/.test(error.message));
    assert.throws(() => parseEpisodesCsv('', TZ), CsvFormatError);
  });
});
