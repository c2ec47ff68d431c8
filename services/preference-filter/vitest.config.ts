import { vitestConfig } from '../../vitest.shared.js';

// The adapter tests talk to the real MongoDB-wire server and Redis, which other suites load at the same time.
export default vitestConfig('preference-filter', { testTimeout: 30_000 });
