import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { mongoEnv } from './config.js';
import { runService } from './service.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runService', () => {
  it('parses the env it is given and stops, naming every bad variable, before setup runs', async () => {
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const setup = vi.fn();
    const schema = z.object({ ...mongoEnv.shape, BATCH_SIZE: z.coerce.number().int().positive() });

    await expect(
      runService('probe', schema, setup, { env: { SCHEMA_REGISTRY_URL: 'http://registry:8081', ADMIN_PORT: 'eighty', BATCH_SIZE: '0' }, exitOnShutdown: false }),
    ).rejects.toThrow('exit 1');

    expect(setup).not.toHaveBeenCalled();
    expect(printed).toHaveBeenCalledTimes(1);
    const message = String(printed.mock.calls[0]?.[0]);
    expect(message).toMatch(/^probe: invalid configuration/);
    for (const name of ['KAFKA_BROKERS', 'ADMIN_PORT', 'MONGODB_URI', 'BATCH_SIZE']) expect(message).toContain(name);
  });
});
