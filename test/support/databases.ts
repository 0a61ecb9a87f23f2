import { openPglite, openPgliteInWorker, openPostgres, type Database } from '../../src/store/db';
import { migrate } from '../../src/store/migrate';
import { createTestDatabase } from './postgres';

export const DRIVERS = ['pglite', 'postgres'] as const;
/** PGlite in a worker thread (`openPgliteInWorker`, what `npm run import` opens): its statements in flight together. */
export type TestDriver = (typeof DRIVERS)[number] | 'pglite-worker';

/**
 * How long a test's PostgreSQL statement may go unanswered. The service's 5 s bound failed once on
 * CI (a 2-core machine shared with the suite's own server and coverage) on a statement that plans
 * and runs in 3 ms here with any statistics (checked): most likely a pause of the machine, after
 * which node runs its due timers before it reads an answer already waiting on the socket. Tests of the bound itself set their own
 * (`test/faults/database.test.ts`); a test's own time limit (30 s) still catches a slow plan.
 */
const TEST_QUERY_TIMEOUT_MS = 20_000;

/** A migrated, empty database of the given driver: in-memory PGlite (in this thread or a worker), or a new database on the test server. */
export async function openTestDatabase(driver: TestDriver): Promise<Database> {
  const db =
    driver === 'pglite' ? await openPglite() : driver === 'pglite-worker' ? await openPgliteInWorker() : await openPostgres(await createTestDatabase(), { queryTimeoutMs: TEST_QUERY_TIMEOUT_MS });
  await migrate(db);
  return db;
}

const DATA_TABLES = [
  'reminders',
  'huddle_actions',
  'huddle_decisions',
  'huddles',
  'audit_log',
  'strategy_meetings',
  'acknowledgements',
  'agency_notes',
  'channels',
  'return_interview_episodes',
  'return_interviews',
  'episode_history',
  'episodes',
  'children',
];

/** Empties every data table (agencies and migrations stay). */
export async function resetDatabase(db: Database): Promise<void> {
  await db.exec(`truncate ${DATA_TABLES.join(', ')} restart identity cascade`);
}

/**
 * Declares the same suite once per driver: the repository tests run on PGlite and on PostgreSQL.
 */
export function forEachDriver(title: string, suite: (db: () => Database, driver: TestDriver) => void, options: { worker?: boolean } = {}): void {
  for (const driver of options.worker ? [...DRIVERS, 'pglite-worker' as const] : DRIVERS) {
    describe(`${title} [${driver}]`, function () {
      let db: Database;
      before(async function () {
        this.timeout(60_000);
        db = await openTestDatabase(driver);
      });
      beforeEach(async () => resetDatabase(db));
      after(async () => db?.close());
      suite(() => db, driver);
    });
  }
}
