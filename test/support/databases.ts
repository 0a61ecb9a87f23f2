import { openPglite, openPostgres, type Database } from '../../src/store/db';
import { migrate } from '../../src/store/migrate';
import { createTestDatabase } from './postgres';

export const DRIVERS = ['pglite', 'postgres'] as const;

/** A migrated, empty database of the given driver: in-memory PGlite, or a new database on the test server. */
export async function openTestDatabase(driver: (typeof DRIVERS)[number]): Promise<Database> {
  const db = driver === 'pglite' ? await openPglite() : await openPostgres(await createTestDatabase());
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
export function forEachDriver(title: string, suite: (db: () => Database, driver: (typeof DRIVERS)[number]) => void): void {
  for (const driver of DRIVERS) {
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
