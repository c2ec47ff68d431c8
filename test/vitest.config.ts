import { vitestConfig } from '../vitest.shared.js';

// Integration tests share one broker and one machine: run files one at a time, with generous timeouts.
export default vitestConfig('system-tests', {
  fileParallelism: false,
  testTimeout: 120_000, // two minutes
  hookTimeout: 120_000,
});
