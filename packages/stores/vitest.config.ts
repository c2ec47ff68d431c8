import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('stores', { fileParallelism: false, testTimeout: 60_000 });
