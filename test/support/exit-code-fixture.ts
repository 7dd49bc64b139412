/**
 * Starts and stops embedded Postgres, then ends with exit code 7 the way a test runner does
 * (process.exitCode, no process.exit). Run by test/integration/db/exit-code.test.ts.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalPostgres } from '../../dev/local/embedded-postgres.js';
import { freePort } from './free-port.js';

const dataDir = path.join(os.tmpdir(), `warp-exit-code-${process.pid}`);
const local = await startLocalPostgres({ dataDir, port: await freePort(), persistent: false });
await local.stop();
await rm(dataDir, { recursive: true, force: true });
process.exitCode = 7;
