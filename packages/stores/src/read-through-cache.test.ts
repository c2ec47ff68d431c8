import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ReadThroughCache, type CacheOperation } from './read-through-cache.js';
import { openTestRedis } from './test-support.js';

interface Profile {
  name: string;
}

let redis: Redis;
let prefix: string;
let close: () => Promise<void>;

beforeAll(() => {
  ({ redis, prefix, close } = openTestRedis('cache'));
});
afterAll(async () => close());

function recordingLoader(source: Record<string, Profile>) {
  const calls: string[][] = [];
  const loader = async (missing: string[]): Promise<Map<string, Profile>> => {
    calls.push([...missing]);
    return new Map(missing.filter((k) => source[k]).map((k) => [k, source[k] as Profile]));
  };
  return { calls, loader };
}

describe('ReadThroughCache', () => {
  it('loads misses in one call, then serves them from Redis with a TTL', async () => {
    const cache = new ReadThroughCache<Profile>(redis, { prefix: `${prefix}a:`, ttlSeconds: 60 });
    const { calls, loader } = recordingLoader({ u1: { name: 'Ann' }, u2: { name: 'Bo' } });

    const first = await cache.getMany(['u1', 'u2', 'u1', 'ghost'], loader);
    expect(Object.fromEntries(first)).toEqual({ u1: { name: 'Ann' }, u2: { name: 'Bo' } });
    expect(calls).toEqual([['u1', 'u2', 'ghost']]);

    const second = await cache.getMany(['u1', 'u2'], loader);
    expect(Object.fromEntries(second)).toEqual({ u1: { name: 'Ann' }, u2: { name: 'Bo' } });
    expect(calls).toHaveLength(1);

    const ttl = await redis.ttl(`${prefix}a:u1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(JSON.parse((await redis.get(`${prefix}a:u1`)) as string)).toEqual({ name: 'Ann' });
  });

  it('asks the loader only for keys not cached, and does not cache unknown keys', async () => {
    const cache = new ReadThroughCache<Profile>(redis, { prefix: `${prefix}b:` });
    const { calls, loader } = recordingLoader({ u1: { name: 'Ann' }, u2: { name: 'Bo' } });
    await cache.getMany(['u1'], loader);
    await cache.getMany(['u1', 'u2', 'ghost'], loader);
    await cache.getMany(['ghost'], loader);
    expect(calls).toEqual([['u1'], ['u2', 'ghost'], ['ghost']]);
  });

  it('invalidate makes the next read go to the loader', async () => {
    const cache = new ReadThroughCache<Profile>(redis, { prefix: `${prefix}c:` });
    const source = { u1: { name: 'Ann' } };
    const { calls, loader } = recordingLoader(source);
    await cache.get('u1', async (k) => (await loader([k])).get(k));
    source.u1 = { name: 'Anna' };
    await cache.invalidate(['u1']);
    expect(await cache.get('u1', async (k) => (await loader([k])).get(k))).toEqual({ name: 'Anna' });
    expect(calls).toEqual([['u1'], ['u1']]);
  });

  it('treats an undecodable cached value as a miss and replaces it', async () => {
    const errors: CacheOperation[] = [];
    const cache = new ReadThroughCache<Profile>(redis, {
      prefix: `${prefix}d:`,
      onError: (_e, op) => errors.push(op),
    });
    await redis.set(`${prefix}d:u1`, '{not json');
    const { loader } = recordingLoader({ u1: { name: 'Ann' } });
    expect((await cache.getMany(['u1'], loader)).get('u1')).toEqual({ name: 'Ann' });
    expect(errors).toEqual(['read']);
    expect(await redis.get(`${prefix}d:u1`)).toBe('{"name":"Ann"}');
  });

  it('propagates loader failures', async () => {
    const cache = new ReadThroughCache<Profile>(redis, { prefix: `${prefix}e:` });
    await expect(cache.getMany(['u1'], async () => Promise.reject(new Error('mongo down')))).rejects.toThrow(
      'mongo down',
    );
  });

  it('falls back to the loader when Redis refuses connections', async () => {
    const down = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const errors: CacheOperation[] = [];
    const cache = new ReadThroughCache<Profile>(down, { prefix: 'x:', onError: (_e, op) => errors.push(op) });
    const { calls, loader } = recordingLoader({ u1: { name: 'Ann' } });
    expect(Object.fromEntries(await cache.getMany(['u1'], loader))).toEqual({ u1: { name: 'Ann' } });
    await cache.invalidate(['u1']);
    expect(calls).toEqual([['u1']]);
    expect(errors).toEqual(['read', 'write', 'invalidate']);
    down.disconnect();
  });

  it('falls back to the loader when Redis hangs', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const hanging = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
    hanging.on('error', () => {});
    const errors: CacheOperation[] = [];
    const cache = new ReadThroughCache<Profile>(hanging, {
      prefix: 'x:',
      timeoutMs: 100,
      onError: (_e, op) => errors.push(op),
    });
    const { loader } = recordingLoader({ u1: { name: 'Ann' } });

    const started = Date.now();
    expect((await cache.getMany(['u1'], loader)).get('u1')).toEqual({ name: 'Ann' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(errors).toEqual(['read', 'write']);

    hanging.disconnect();
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });
});
