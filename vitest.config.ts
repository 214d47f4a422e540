import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Most test time is spent waiting on child processes (the CLI, the simulator,
    // PostgreSQL), not computing: vitest's default of one file fewer than the CPUs would
    // run a 2-CPU machine's files one at a time. Every file keeps to its own temporary
    // folders, ports and databases, so files run side by side safely.
    maxWorkers: Math.max(3, availableParallelism()),
  },
});
