import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Shared vitest settings: workspace packages resolve to their TypeScript sources, and every run writes a
 * JSON report under reports/vitest/ that `npm test` sums up.
 */
export function vitestConfig(name: string, overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    resolve: { conditions: ['development', 'module', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
    test: {
      // Hooks connect to the stack's servers, which answer slowly while other workspaces' tests load them.
      hookTimeout: 30_000, // thirty seconds
      reporters: ['default', 'json'],
      outputFile: { json: path.join(ROOT, 'reports', 'vitest', `${name}.json`) },
      ...overrides,
    },
  });
}
