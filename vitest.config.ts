import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // The dashboard's component tests need a DOM and the Svelte compiler: project `renderer`.
          exclude: [...configDefaults.exclude, 'tests/unit/renderer/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        plugins: [svelte({ configFile: false }), svelteTesting()],
        test: { name: 'renderer', include: ['tests/unit/renderer/**/*.test.ts'], environment: 'jsdom' },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // Real processes on a 2-core machine: one file at a time keeps timings sane.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          // One Chromium and a handful of real processes at a time on a 2-core machine.
          fileParallelism: false,
          globalSetup: ['tests/e2e/build-dashboard.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'multihost',
          include: ['tests/multihost/**/*.test.ts'],
          environment: 'node',
          // Hosts are network namespaces on this machine (root only); one file at a time.
          fileParallelism: false,
          globalSetup: ['tests/e2e/build-dashboard.ts'],
          // A partition is only noticed by Socket.IO's ping timeout (up to ~45 s each way).
          testTimeout: 240_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
