import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_OPTIONS } from '../../scripts/pipeline/launch.js';
import { REPO_ROOT } from '../support/stack-env.js';

/** The value of `NODE_OPTIONS` in the Dockerfile's runtime stage `ENV` instruction. */
function imageNodeOptions(dockerfile: string): string | undefined {
  const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
  const env = /^ENV\s+((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? '';
  return /NODE_OPTIONS="([^"]*)"/.exec(env)?.[1];
}

describe('container image', () => {
  it('gives services the heap settings that launched pipelines (tests, benchmark, chaos) run them with', () => {
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(imageNodeOptions(dockerfile)).toBe(SERVICE_NODE_OPTIONS);
  });
});
