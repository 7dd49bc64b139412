import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Google client libraries otherwise probe the GCE metadata server (169.254.169.254):
    // tests talk to loopback only.
    env: { METADATA_SERVER_DETECTION: 'none', GOOGLE_CLOUD_PROJECT: 'warp-test' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel, each against its own database.
    pool: 'forks',
    maxWorkers: 2,
  },
});
