import { start } from './main';

/**
 * What `npm start` runs: scripts/build-if-needed.cjs bundles this file with the code it loads into
 * dist/service.js (issue 13, part 3). The same service as `node dist/main.js`, loaded from one file.
 */
start();
