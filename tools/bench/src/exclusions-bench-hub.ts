/**
 * Entry of the hub process the exclusions benchmark starts: the same
 * apps/hub/dist/main.js, under its own command line, so tools on a shared
 * machine that stop "apps/hub/dist/main.js" processes by name leave the
 * measurement alone.
 */
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.resolve(__dirname, '..', '..', '..', 'apps', 'hub', 'dist', 'main.js'));
