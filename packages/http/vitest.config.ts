import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('http', { testTimeout: 30_000 });
