import assert from 'node:assert/strict';
import { IMPORT_QUERY_TIMEOUT_MS, openImportDatabase } from '../../src/import/cli';
import { openDatabase } from '../../src/store/db';
import { createTestDatabase } from '../support/postgres';

describe('npm run import\'s database', () => {
  it('bounds a statement by the import\'s own minutes on PostgreSQL, not the service\'s seconds (a million rows\' audit took longer than 5 s)', async () => {
    const url = await createTestDatabase();
    const service = await openDatabase({ databaseUrl: url, dataDir: '' });
    const importing = await openImportDatabase({ DATABASE_URL: url, DATA_DIR: '' });
    try {
      assert.equal(IMPORT_QUERY_TIMEOUT_MS, 600_000);
      assert.deepEqual(await service.query('show statement_timeout'), [{ statement_timeout: '5s' }]);
      assert.deepEqual(await importing.query('show statement_timeout'), [{ statement_timeout: '10min' }]);
    } finally {
      await service.close();
      await importing.close();
    }
  });
});
