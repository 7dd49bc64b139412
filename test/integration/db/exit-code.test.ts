import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../../support/exit-code-fixture.ts', import.meta.url));

describe('embedded Postgres and the exit code', () => {
  // Its exit hook calls process.exit(0) on 'beforeExit': a failed test run must still exit non-zero.
  it('keeps a failing exit code of the process that used it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(7);
  });
});
