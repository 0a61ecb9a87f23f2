import { call, startTestApp } from '../support/app';
import { openTestDatabase } from '../support/databases';
import { Readable } from 'node:stream';
import type { Database, Queryable } from '../../src/store/db';
import type { ImportRow } from '../../src/import/csvRows';
import assert from 'node:assert/strict';
import { NATIVE_COLUMNS } from '../../src/import/csvRows';
import { BATCH_ROWS, chunksByChild, CHUNK_ROWS, importEpisodesCsv, KeptChildren, MAX_PROBLEMS, stringChunks, type ImportProgress } from '../../src/import/importer';
import * as repo from '../../src/store/repositories';
import { forEachDriver } from '../support/databases';
import { context } from '../support/recording';

const HEADER = NATIVE_COLUMNS.join(',');
// The optional provider column, as a case system that records it writes it.
const GOOD = [
  [...NATIVE_COLUMNS, 'rhi_provider'].join(','),
  'IMP-1,Ada,Sample,2011-05-01,N,,home,2026-06-01T10:00,2026-06-01T20:00,medium,POL-I1,RHI-I1,2026-06-02T09:00,accepted,2026-06-03T09:00,in_house',
  'IMP-1,Ada,Sample,2011-05-01,N,,home,2026-06-01T22:00,2026-06-02T01:00,low,POL-I2,RHI-I1,,,,',
  'IMP-2,Ben,Example,2012-02-02,Y,Example County Council,care,2026-06-05T22:00,,high,POL-I3,,,,,',
].join('\n');
const options = { skipInvalid: false, timeZone: 'Europe/London' };

forEachDriver('CSV import', (db) => {
  const count = async (table: string) => (await db().query<{ count: number }>(`select count(*)::int as count from ${table}`))[0]!.count;

  it('imports episodes, returns and a shared RHI, reporting progress', async () => {
    const progress: ImportProgress[] = [];
    const summary = await importEpisodesCsv(db(), GOOD, context({ actor: { name: 'csv:test', kind: 'import' } }), { ...options, onProgress: (done) => progress.push(done) });
    assert.equal(summary.rejected, false);
    assert.deepEqual([summary.created, summary.updated, summary.unchanged, summary.invalid], [3, 0, 0, 0]);
    assert.deepEqual(progress, [{ rows: 3, bytes: Buffer.byteLength(GOOD) }], 'one batch: every row and byte read');
    assert.equal(await count('episodes'), 3);
    const rhi = await repo.findRhiByExternalRef(db(), 'RHI-I1');
    assert.equal(rhi?.episodeIds.length, 2);
    assert.equal(rhi?.completedAt?.toISOString(), '2026-06-03T08:00:00.000Z');
    assert.equal((await repo.auditEntries(db(), { action: 'import.completed' })).length, 1);
  });

  it('changes nothing when the same file is imported twice', async () => {
    await importEpisodesCsv(db(), GOOD, context(), options);
    const before = await db().query('select * from episodes order by id');
    const auditBefore = await count('audit_log');
    const again = await importEpisodesCsv(db(), GOOD, context(), options);
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 3]);
    assert.deepEqual(await db().query('select * from episodes order by id'), before);
    assert.equal(await count('audit_log'), auditBefore + 1, 'only the import itself is audited');
  });

  it('explains a row whose RHI does not add up', async () => {
    const late = [HEADER, 'IMP-7,Ed,Sample,,N,,home,2026-06-01T10:00,2026-06-05T10:00,low,POL-I7,RHI-I7,2026-06-05T11:00,accepted,2026-06-03T09:00'].join('\n');
    const summary = await importEpisodesCsv(db(), late, context(), options);
    assert.equal(summary.rejected, true);
    assert.deepEqual(
      summary.problems.map((problem) => [problem.column, problem.message]),
      [
        ['rhi_completed_at', 'The interview time is before the child came back.'],
        ['rhi_provider', 'Say who carried out the interview (the provider).'],
      ],
    );
  });

  it('rejects the whole file when a row is bad, storing nothing', async () => {
    const bad = `${GOOD}\nIMP-3,Cy,Demo,,N,,home,not-a-time,,,,,,,,`;
    const summary = await importEpisodesCsv(db(), bad, context(), options);
    assert.equal(summary.rejected, true);
    assert.deepEqual(summary.problems.map((problem) => [problem.line, problem.column]), [[5, 'reported_at']]);
    assert.equal(await count('episodes'), 0);
  });

  it('rejects the whole file when a row clashes with what is stored, listing each clash', async () => {
    await importEpisodesCsv(db(), GOOD, context(), options);
    const clash = [HEADER, 'IMP-2,Ben,Example,,Y,Example County Council,care,2026-06-06T10:00,,high,POL-I4,,,,', 'IMP-9,Di,Fictional,,N,,home,2026-06-06T10:00,,low,POL-I5,,,,'].join('\n');
    const summary = await importEpisodesCsv(db(), clash, context(), options);
    assert.equal(summary.rejected, true);
    assert.deepEqual(summary.problems.map((problem) => problem.line), [2]);
    assert.match(summary.problems[0]!.message, /^This child is already recorded as missing since 22:00 Fri 5 Jun: record that return first, or check the times\.$/);
    assert.equal(await count('episodes'), 3, 'the good row of the rejected file was rolled back');
  });

  it('imports the good rows and reports the rest with --skip-invalid', async () => {
    const mixed = `${GOOD}\nIMP-3,Cy,Demo,,N,,home,not-a-time,,,,,,,,\nIMP-2,Ben,Example,,Y,,care,2026-06-06T10:00,,high,POL-I6,,,,,`;
    const summary = await importEpisodesCsv(db(), mixed, context(), { ...options, skipInvalid: true });
    assert.equal(summary.rejected, false);
    assert.equal(summary.created, 3);
    assert.deepEqual(summary.problems.map((problem) => problem.line), [5, 6]);
    assert.equal(summary.invalid, 2);
    assert.equal(await count('episodes'), 3);
  });

  it('imports a child’s episodes in any order (SSDA903 files are not sorted), and again changes nothing', async () => {
    const file = 'CHILD,DOB,MISSING,MIS_START,MIS_END\nSYN007,01/05/2009,M,10/03/2018,12/03/2018\nSYN007,01/05/2009,A,05/09/2017,06/09/2017\nSYN007,01/05/2009,M,01/02/2016,02/02/2016\n';
    const summary = await importEpisodesCsv(db(), file, context(), options);
    assert.deepEqual([summary.rejected, summary.created, summary.problems], [false, 3, []]);
    const again = await importEpisodesCsv(db(), file, context(), options);
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 3]);
  });

  it('still refuses a real overlap in the same file, naming both lines in local time', async () => {
    const file = 'CHILD,DOB,MISSING,MIS_START,MIS_END\nSYN008,01/05/2009,M,10/06/2018,15/06/2018\nSYN008,01/05/2009,A,12/06/2018,13/06/2018\n';
    const summary = await importEpisodesCsv(db(), file, context(), options);
    assert.equal(summary.rejected, true);
    assert.deepEqual(summary.problems.map((problem) => [problem.line, problem.message]), [
      [3, 'This child has another episode from 00:00 Sun 10 Jun to 00:00 Fri 15 Jun: check the times (line 2 of this file).'],
    ]);
    assert.equal(await count('episodes'), 0);
  });

  it('imports the SSDA903 Missing table idempotently', async () => {
    const file = 'CHILD,DOB,MISSING,MIS_START,MIS_END\nSYN001,01/05/2011,M,01/06/2026,03/06/2026\nSYN001,01/05/2011,A,03/06/2026,03/06/2026\n';
    const first = await importEpisodesCsv(db(), file, context(), options);
    assert.deepEqual([first.created, first.invalid], [2, 0], JSON.stringify(first.problems));
    const second = await importEpisodesCsv(db(), file, context(), options);
    assert.deepEqual([second.created, second.unchanged], [0, 2]);
  });
}, { worker: true });

/** n native rows, one child and returned episode each (line k+2 is row k), with a police reference. */
const manyRows = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, index) => `${prefix}-${index},Kit,Example,2012-01-02,N,,home,2026-05-01T10:00,2026-05-01T12:00,low,POL-${prefix}-${index},,,,`);

describe('the children an import keeps', () => {
  const child = (n: number) => ({ id: `id-${n}`, ref: `REF-${n}`, givenName: null, familyName: null, dateOfBirth: null, lookedAfter: false, placingAuthority: null, placementInArea: null, school: null, socialWorkerEmail: null });
  const span = (n: number, childN: number) => ({ id: `ep-${n}`, childId: `id-${childN}`, reportedAt: new Date(Date.UTC(2026, 0, n)), returnedAt: null, policeRef: null });

  it('are the ones it made, with every episode they were given later, and no others', () => {
    const kept = new KeptChildren(10);
    kept.keep({ children: [child(1)], spans: [span(1, 1), span(2, 9)], rhis: [] });
    kept.keep({ children: [], spans: [span(3, 1)], rhis: [] });
    const found = kept.find(['REF-1', 'REF-9']);
    assert.deepEqual(found.children.map((each) => each.ref), ['REF-1'], 'REF-9 was looked up, not made: never kept');
    assert.deepEqual(found.spans.map((each) => each.id), ['ep-1', 'ep-3']);
    kept.keep({ children: [], spans: [span(4, 1)], rhis: [] });
    assert.deepEqual(found.spans.map((each) => each.id), ['ep-1', 'ep-3'], 'what was found stays as it was when asked');
  });

  it('are at most the bound, the oldest dropped first, and none once forgotten', () => {
    const kept = new KeptChildren(2);
    kept.keep({ children: [child(1), child(2)], spans: [], rhis: [] });
    kept.keep({ children: [child(3)], spans: [span(1, 1), span(2, 3)], rhis: [] });
    assert.equal(kept.size, 2);
    assert.deepEqual(kept.find(['REF-1', 'REF-2', 'REF-3']).children.map((each) => each.ref), ['REF-2', 'REF-3']);
    assert.deepEqual(kept.find(['REF-3']).spans.map((each) => each.id), ['ep-2']);
    kept.forget();
    assert.deepEqual([kept.size, kept.find(['REF-2', 'REF-3']).children.length], [0, 0]);
  });

  it('stop being kept once the bound is reached and a batch finds none of its children among them (a file larger than the bound)', () => {
    const kept = new KeptChildren(2);
    kept.keep({ children: [child(1), child(2)], spans: [], rhis: [] });
    assert.deepEqual(kept.find(['REF-1', 'REF-8']).children.map((each) => each.ref), ['REF-1'], 'full, and one found: kept on');
    assert.equal(kept.size, 2);
    assert.deepEqual(kept.find(['REF-8', 'REF-9']).children, []);
    assert.equal(kept.size, 0, 'full and none found: dropped');
    kept.keep({ children: [child(3)], spans: [], rhis: [] });
    assert.deepEqual([kept.size, kept.find(['REF-3']).children.length], [0, 0], 'and nothing kept after');
  });

  it('are kept on while below the bound, whatever a batch finds', () => {
    const kept = new KeptChildren(3);
    kept.keep({ children: [child(1), child(2)], spans: [], rhis: [] });
    assert.deepEqual(kept.find(['REF-8']).children, []);
    kept.keep({ children: [child(3)], spans: [], rhis: [] });
    assert.deepEqual(kept.find(['REF-3']).children.map((each) => each.ref), ['REF-3']);
  });
});

describe('a file given as a string', () => {
  it('goes to the parser in pieces that rejoin to the file, never splitting a character made of two', () => {
    const text = `Syn😀thetic,Zoë,${'x'.repeat(7)}😀😀,end`;
    for (const size of [1, 2, 3, 4, 5, 8, 1000]) {
      const pieces = [...stringChunks(text, size)];
      assert.equal(pieces.join(''), text, `size ${size}`);
      for (const piece of pieces) {
        assert.ok(piece.length >= 1 && piece.length <= Math.max(size, 2), `size ${size}: ${JSON.stringify(piece)}`);
        const last = piece.charCodeAt(piece.length - 1);
        assert.ok(!(last >= 0xd800 && last <= 0xdbff), `size ${size}: a piece ends inside a character: ${JSON.stringify(piece)}`);
      }
    }
    assert.deepEqual([...stringChunks('', 4)], []);
  });
});

forEachDriver('a file longer than one batch', (db) => {
  it('is one transaction of a few statements a batch, not several a row', async () => {
    let transactions = 0;
    let statements = 0;
    const counting = (tx: Queryable): Queryable => ({
      ...tx,
      query: (sql: string, params?: unknown[]) => (statements++, tx.query(sql, params)),
      copyFrom: tx.copyFrom && ((into: string, text: string) => (statements++, tx.copyFrom!(into, text))),
    });
    const wrapped: Database = { ...db(), transaction: (work) => (transactions++, db().transaction((tx) => work(counting(tx)))) };
    const rows = BATCH_ROWS * 2 + 500;
    const summary = await importEpisodesCsv(wrapped, `${HEADER}\n${manyRows(rows, 'BAT').join('\n')}\n`, context(), options);
    assert.equal(summary.created, rows);
    assert.equal(transactions, 1);
    // Per batch: children, episodes and RHIs read (3; the lines of repeated episodes too, when
    // there are any), children, episodes, history, RHIs (2) and lines written (6); once: the lines
    // table made and the file's audit written.
    assert.ok(statements <= 2 + 10 * Math.ceil(rows / BATCH_ROWS), `${statements} statements for ${rows} rows`);
    const audits = await repo.auditEntries(db(), { action: 'child.imported' });
    assert.equal(audits.length, rows, 'one entry for each child (here one episode each), found by its case reference');
    assert.deepEqual(audits.find((entry) => entry.subjectId === 'BAT-7')?.details, { childRef: 'BAT-7', episodes: 1, returned: 1, rhis: 0 });
  });

  it('audits a child once for the whole file, counting its episodes from every batch they fell in', async () => {
    const rows = manyRows(BATCH_ROWS + 10, 'SPL');
    // SPL-3's second and third episodes, a week apart, land in the second batch; the third has an RHI.
    rows.push('SPL-3,Kit,Example,2012-01-02,N,,home,2026-05-08T10:00,2026-05-08T12:00,low,POL-SPL-3B,,,,');
    rows.push('SPL-3,Kit,Example,2012-01-02,N,,home,2026-05-15T10:00,2026-05-15T20:00,medium,POL-SPL-3C,RHI-SPL-3C,,,');
    const summary = await importEpisodesCsv(db(), `${HEADER}\n${rows.join('\n')}\n`, context(), options);
    assert.equal(summary.created, BATCH_ROWS + 12);
    const audits = (await repo.auditEntries(db(), { action: 'child.imported' })).filter((entry) => entry.subjectId === 'SPL-3');
    assert.equal(audits.length, 1, 'one entry for the child, not one per batch');
    assert.deepEqual(audits[0]!.details, { childRef: 'SPL-3', episodes: 3, returned: 3, rhis: 1 });
    assert.equal((await repo.auditEntries(db(), { action: 'child.imported' })).length, BATCH_ROWS + 10, 'one entry per child of the file');
  });

  it('audits nothing of a file it rejects', async () => {
    const rows = manyRows(BATCH_ROWS + 10, 'REJ');
    rows.push('REJ-1,Kit,Example,2012-01-02,N,,home,soon,,,,,,,');
    const summary = await importEpisodesCsv(db(), `${HEADER}\n${rows.join('\n')}\n`, context(), options);
    assert.equal(summary.rejected, true);
    assert.equal((await repo.auditEntries(db(), { action: 'child.imported' })).length, 0);
  });

  it('finds a repeated row and a real overlap however far apart in the file, naming the other line', async () => {
    const far = manyRows(BATCH_ROWS + 10, 'FAR');
    far.push(far[3]!); // line 5 again, in a later batch
    far.push('FAR-7,Kit,Example,2012-01-02,N,,home,2026-05-01T11:00,2026-05-01T13:00,low,POL-FAR-X,,,,'); // overlaps line 9
    const summary = await importEpisodesCsv(db(), `${HEADER}\n${far.join('\n')}\n`, context(), options);
    assert.equal(summary.rejected, true);
    assert.deepEqual(
      summary.problems.map((problem) => [problem.line, problem.column, problem.message]),
      [
        [BATCH_ROWS + 12, 'police_ref', 'repeats the episode on line 5'],
        [BATCH_ROWS + 13, 'reported_at', 'This child has another episode from 10:00 Fri 1 May to 12:00 Fri 1 May: check the times (line 9 of this file).'],
      ],
    );
    assert.equal((await db().query<{ count: number }>('select count(*)::int as count from episodes'))[0]!.count, 0, 'a rejected file stores nothing');
  });

  it('lists the first MAX_PROBLEMS problems and counts every bad row', async () => {
    const bad = Array.from({ length: MAX_PROBLEMS + 5 }, (_, index) => `BAD-${index},Kit,Example,,N,,home,not-a-time,,,,,,,`);
    const summary = await importEpisodesCsv(db(), `${HEADER}\n${bad.join('\n')}\n`, context(), options);
    assert.deepEqual([summary.rejected, summary.invalid, summary.problems.length, summary.problems.at(-1)!.line], [true, MAX_PROBLEMS + 5, MAX_PROBLEMS, MAX_PROBLEMS + 1]);
  });

  it('fails whole with the failing write\'s own error when a batch\'s writes fail while the next batch is checked', async () => {
    let copies = 0;
    const failing = (tx: Queryable): Queryable => ({
      ...tx,
      query: (sql: string, params?: unknown[]) =>
        /^(copy|insert into) episode_history/.test(sql) && ++copies === 2 ? Promise.reject(new Error('disk full (injected)')) : tx.query(sql, params),
      copyFrom: tx.copyFrom && ((into: string, text: string) => (/^episode_history /.test(into) && ++copies === 2 ? Promise.reject(new Error('disk full (injected)')) : tx.copyFrom!(into, text))),
    });
    const wrapped: Database = { ...db(), transaction: (work) => db().transaction((tx) => work(failing(tx))) };
    await assert.rejects(importEpisodesCsv(wrapped, `${HEADER}\n${manyRows(BATCH_ROWS * 3, 'FLD').join('\n')}\n`, context(), options), /disk full \(injected\)/);
    assert.equal(copies, 2, 'the second batch\'s history write failed');
    assert.equal((await db().query<{ count: number }>('select count(*)::int as count from episodes'))[0]!.count, 0, 'nothing stored: the first batch\'s episodes rolled back too');
  });

  /** The database as the import sees it, noting the case references each children's lookup asks for. */
  function askedRefs(asked: string[][]): Database {
    const noting = (tx: Queryable): Queryable => ({
      ...tx,
      query: (sql: any, params?: unknown[]) => {
        if (/from children where ref = any/.test(typeof sql === 'string' ? sql : sql.text)) asked.push([...(params![0] as string[])]);
        return tx.query(sql, params);
      },
    });
    return { ...db(), transaction: (work) => db().transaction((tx) => work(noting(tx))) };
  }

  it('checks a child it made batches earlier from memory, without asking for it again, and still refuses a real overlap naming the line', async () => {
    const rows = manyRows(BATCH_ROWS * 2 + 10, 'KEP');
    // KEP-7 (line 9, first batch) again in the third batch: a week later, then overlapping line 9.
    rows.push('KEP-7,Kit,Example,2012-01-02,N,,home,2026-05-08T10:00,2026-05-08T12:00,low,POL-KEP-7B,,,,');
    const asked: string[][] = [];
    const summary = await importEpisodesCsv(askedRefs(asked), `${HEADER}\n${rows.join('\n')}\n`, context(), options);
    assert.deepEqual([summary.created, summary.invalid], [BATCH_ROWS * 2 + 11, 0]);
    assert.deepEqual(
      asked.map((refs) => refs.filter((ref) => ref === 'KEP-7').length),
      [1, 0, 0],
      'asked for in the first batch (not yet recorded), read from memory in the third',
    );
    assert.deepEqual((await repo.auditEntries(db(), { action: 'child.imported' })).find((entry) => entry.subjectId === 'KEP-7')?.details, { childRef: 'KEP-7', episodes: 2, returned: 2, rhis: 0 });

    await db().exec('truncate audit_log, return_interview_episodes, return_interviews, episode_history, episodes, children cascade');
    rows[rows.length - 1] = 'KEP-7,Kit,Example,2012-01-02,N,,home,2026-05-01T11:00,2026-05-01T13:00,low,POL-KEP-7B,,,,';
    const clash = await importEpisodesCsv(db(), `${HEADER}\n${rows.join('\n')}\n`, context(), options);
    assert.deepEqual(
      clash.problems.map((problem) => [problem.line, problem.message]),
      [[BATCH_ROWS * 2 + 12, 'This child has another episode from 10:00 Fri 1 May to 12:00 Fri 1 May: check the times (line 9 of this file).']],
    );
  });

  it('asks for its children again after a batch changed something through the use cases, so that a later batch sees the change', async () => {
    const rows = manyRows(BATCH_ROWS * 2 + 10, 'FGT');
    // FGT-5 (line 7, first batch) has an RHI; the second batch adds an episode under the same RHI
    // (an RHI extended: the use cases make that episode); the third overlaps that episode.
    rows[5] = 'FGT-5,Kit,Example,2012-01-02,N,,home,2026-05-01T10:00,2026-05-01T12:00,low,POL-FGT-5,RHI-FGT-5,,,';
    rows.splice(1500, 0, 'FGT-5,Kit,Example,2012-01-02,N,,home,2026-05-08T10:00,2026-05-08T12:00,low,POL-FGT-5B,RHI-FGT-5,,,');
    rows.push('FGT-5,Kit,Example,2012-01-02,N,,home,2026-05-08T11:00,2026-05-08T13:00,low,POL-FGT-5C,,,,');
    const asked: string[][] = [];
    const summary = await importEpisodesCsv(askedRefs(asked), `${HEADER}\n${rows.join('\n')}\n`, context(), options);
    assert.deepEqual(
      summary.problems.map((problem) => [problem.line, problem.message]),
      [[BATCH_ROWS * 2 + 13, 'This child has another episode from 10:00 Fri 8 May to 12:00 Fri 8 May: check the times (line 1502 of this file).']],
    );
    assert.equal(asked.at(-1)!.includes('FGT-5'), true, 'the third batch asked for FGT-5 again rather than trusting what it had kept');
  });

  it('reads a stream as it arrives', async () => {
    const text = `${HEADER}\n${manyRows(30, 'STR').join('\n')}\n`;
    const summary = await importEpisodesCsv(db(), Readable.from(text.match(/[\s\S]{1,100}/g)!), context(), options);
    assert.deepEqual([summary.rows, summary.created, summary.invalid], [30, 30, 0]);
  });
}, { worker: true });

describe('a large import on PGlite through the API, beside the running bot (issue 8, item 10)', function () {
  this.timeout(120_000);
  it('goes in chunks of at most CHUNK_ROWS rows, a child’s rows together, each chunk its own transaction', async () => {
    const rows = Array.from({ length: 95 }, (_, index) => ({ child: { ref: `C-${Math.floor(index / 3)}` }, line: index + 2 }) as unknown as ImportRow);
    const chunks = chunksByChild(rows, 20);
    assert.ok(chunks.every((chunk) => chunk.length <= 20));
    assert.deepEqual(chunks.flat().map((row) => row.line), rows.map((row) => row.line), 'every row once, in file order');
    for (const ref of new Set(rows.map((row) => row.child.ref))) assert.equal(chunks.filter((chunk) => chunk.some((row) => row.child.ref === ref)).length, 1, `${ref} split across chunks`);
    const db = await openTestDatabase('pglite');
    try {
      let transactions = 0;
      const counting: Database = { ...db, transaction: (work) => (transactions++, db.transaction(work)) };
      const summary = await importEpisodesCsv(counting, `${HEADER}\n${manyRows(250, 'CH').join('\n')}\n`, context({ actor: { name: 'csv:test', kind: 'import' } }), { ...options, shareConnection: true });
      assert.equal(summary.created, 250);
      assert.equal(transactions, 2 * Math.ceil(250 / CHUNK_ROWS), 'a rehearsal and an import, chunk by chunk');
    } finally {
      await db.close();
    }
  });

  it('finds a police reference two children share, although their rows are in different chunks', async () => {
    const db = await openTestDatabase('pglite');
    try {
      const rows = manyRows(CHUNK_ROWS + 5, 'SH');
      rows.push('SH-X,Kit,Example,2012-01-02,N,,home,2026-05-02T10:00,,low,POL-SH-3,,,,');
      const summary = await importEpisodesCsv(db, `${HEADER}\n${rows.join('\n')}\n`, context(), { ...options, shareConnection: true });
      assert.deepEqual(summary.problems, [{ line: CHUNK_ROWS + 7, column: 'police_ref', message: 'repeats the episode on line 5' }]);
      assert.equal(summary.rejected, true);
    } finally {
      await db.close();
    }
  });

  it('leaves the database to others between chunks: /healthz answers again and again while 2,000 rows import', async () => {
    const app = await startTestApp({}, () => new Date('2026-06-09T12:00:00Z'));
    try {
      let finished = false;
      const importing = call(`${app.url}/api/v1/imports`, { raw: `${HEADER}\n${manyRows(2_000, 'BIG').join('\n')}\n`, contentType: 'text/csv' }).finally(() => (finished = true));
      let answeredDuring = 0;
      while (!finished) {
        const health = await call(`${app.url}/healthz`, { key: null });
        if (!finished && health.status === 200) answeredDuring++;
      }
      const answer = await importing;
      assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 300));
      assert.equal(answer.body.created, 2_000);
      // 40 transactions (a rehearsal and the import, 20 chunks each), with the connection free between.
      assert.ok(answeredDuring >= 20, `/healthz answered ${answeredDuring} times while the import ran`);
    } finally {
      await app.stop();
    }
  });
});
