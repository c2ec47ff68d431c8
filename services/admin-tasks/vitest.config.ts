import { vitestConfig } from '../../vitest.shared.js';

export default vitestConfig('admin-tasks', { testTimeout: 60_000, passWithNoTests: true });
