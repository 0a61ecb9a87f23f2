import { loadConfig } from '../../src/config';
import { runService } from '../../src/main';

/**
 * The service as its own process for fault tests (kill -9, SIGTERM, two processes at once): the
 * real start-up and signal handling, with a fixed clock (TEST_NOW) so that the daily post is due
 * whatever day the tests run, and a short stale-claim lease (TEST_STALE_AFTER_MS).
 */
const fixed = process.env.TEST_NOW ? new Date(process.env.TEST_NOW) : undefined;
const staleAfterMs = process.env.TEST_STALE_AFTER_MS ? Number(process.env.TEST_STALE_AFTER_MS) : undefined;

runService(loadConfig(), { now: fixed ? () => fixed : undefined, claim: staleAfterMs ? { staleAfterMs, retryAfterMs: staleAfterMs } : undefined, retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 5_000 } })
  .then((app) => console.log(`listening ${app.port}`))
  .catch((error: Error) => {
    console.error(`could not start: ${error.message}`);
    process.exit(1);
  });
