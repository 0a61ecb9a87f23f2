import { stopPostgres } from './postgres';

/** Mocha root hooks: whatever the run started, it stops. */
export const mochaHooks = {
  async afterAll() {
    await stopPostgres();
  },
};
