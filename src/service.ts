import { serviceConfig } from './config';
import { openConfiguredDatabase } from './store/db';

/**
 * What `npm start` runs: scripts/build-if-needed.cjs bundles this file with the code it loads into
 * dist/service.js (issue 13, part 3). The same service as `node dist/main.js`, started in another
 * order: the settings first, then the database opening (on PGlite, in its worker thread: on a
 * second core) while the rest of the service's code loads, which takes about as long.
 */
const config = serviceConfig();
const opening = openConfiguredDatabase(config);
// A failure to open is reported where the service waits for the database, after the code loads.
opening.catch(() => undefined);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { start } = require('./main') as typeof import('./main');
start(config, { opening });
