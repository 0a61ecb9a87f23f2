import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CsvFormatError, NATIVE_COLUMNS, parseTime, readEpisodes, type ImportRow, type RowProblem } from '../../src/import/csvRows';

/** Every line of a file read through the stream reader, as the import reads it. */
async function parseEpisodesCsv(text: string, timeZone: string) {
  const reader = readEpisodes(Readable.from([text]), timeZone);
  const rows: ImportRow[] = [];
  const problems: RowProblem[] = [];
  for await (const line of reader.lines()) {
    if (line.row) rows.push(line.row);
    problems.push(...line.problems);
  }
  return { format: reader.format, rows, problems };
}

const HEADER = NATIVE_COLUMNS.join(',');
const TZ = 'Europe/London';

describe('reading episode CSV files', () => {
  it('reads the native format with local times, offsets and a shared RHI', async () => {
    const parsed = await parseEpisodesCsv(
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

  it('reads the SSDA903 Missing table as looked-after episodes from local midnight', async () => {
    const parsed = await parseEpisodesCsv('CHILD,DOB,MISSING,MIS_START,MIS_END\nSYN001,01/05/2011,M,01/06/2026,03/06/2026\nSYN002,,A,15/01/2026,\n', TZ);
    assert.equal(parsed.format, 'ssda903');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.rows[0]!.kind, 'missing_from_care');
    assert.equal(parsed.rows[0]!.child.lookedAfter, true);
    assert.equal(parsed.rows[0]!.child.dateOfBirth, '2011-05-01');
    assert.equal(parsed.rows[0]!.reportedAt.toISOString(), '2026-05-31T23:00:00.000Z');
    assert.equal(parsed.rows[1]!.kind, 'away_without_authorisation');
    assert.equal(parsed.rows[1]!.returnedAt, null);
  });

  it('lists every bad row with its line, column and reason', async () => {
    const parsed = await parseEpisodesCsv(
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

  it('reads a file as it arrives, in pieces that split rows anywhere, giving each row its line', async () => {
    const text = [HEADER, 'CSV-6,Ada,Sample,,N,,home,2026-06-01T10:00,,,POL-6,,,,', '', 'CSV-7,Ben,Example,,N,,home,2026-06-02T10:00,,,POL-7,,,,'].join('\n');
    const reader = readEpisodes(Readable.from(text.match(/[\s\S]{1,7}/g)!), TZ);
    const lines: [number, string | undefined][] = [];
    for await (const line of reader.lines()) lines.push([line.line, line.row?.child.ref]);
    assert.deepEqual(lines, [[2, 'CSV-6'], [4, 'CSV-7']], 'the empty line 3 is skipped but counted');
    assert.equal(reader.bytes, Buffer.byteLength(text));
  });

  it('refuses a file with a row longer than any episode needs, naming its line', async () => {
    const long = `CSV-8,${'x'.repeat(20_000)},Sample,,N,,home,2026-06-01T10:00,,,,,,,`;
    await assert.rejects(parseEpisodesCsv([HEADER, long].join('\n'), TZ), (error: Error) => error instanceof CsvFormatError && /a row is too long/.test(error.message));
  });

  it('refuses a local time inside the spring-forward gap instead of moving it', () => {
    assert.match(parseTime('2026-03-29T01:30', TZ) as string, /does not exist in Europe\/London/);
    assert.equal((parseTime('2026-03-29T02:30', TZ) as Date).toISOString(), '2026-03-29T01:30:00.000Z');
  });

  it('names the columns each format needs when the header is neither', async () => {
    await assert.rejects(parseEpisodesCsv('child,when\nA,B\n', TZ), (error: Error) => error instanceof CsvFormatError && /child_ref/.test(error.message) && /MIS_START/.test(error.message));
    await assert.rejects(parseEpisodesCsv('', TZ), (error: Error) => error instanceof CsvFormatError && /The file is empty/.test(error.message));
  });
});
