import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('controls', { testTimeout: 30_000 });
