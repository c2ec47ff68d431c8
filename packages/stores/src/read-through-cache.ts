import type { Redis } from 'ioredis';

export type CacheOperation = 'read' | 'write' | 'invalidate';

export interface ReadThroughCacheOptions<V> {
  /** Prepended to every key in Redis, e.g. 'notify:recipient:'. */
  prefix: string;
  /** Lifetime of a cached value; bounds staleness when an invalidation is lost. */
  ttlSeconds?: number;
  /** A Redis call slower than this counts as failed and the loader answers instead. */
  timeoutMs?: number;
  encode?: (value: V) => string;
  decode?: (raw: string) => V;
  /** Told of every cache failure; the request itself never fails because of the cache. */
  onError?: (err: unknown, operation: CacheOperation) => void;
}

const DEFAULT_TTL_SECONDS = 300; // 5 min
const DEFAULT_TIMEOUT_MS = 200; // 0.2 s

class CacheTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Redis read-through cache of JSON values: one MGET for the keys asked, one loader call for all the
 * misses, the loaded values written back with a TTL. Redis being slow, down or holding garbage only
 * costs a trip to the loader.
 */
export class ReadThroughCache<V> {
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly timeoutMs: number;
  private readonly encode: (value: V) => string;
  private readonly decode: (raw: string) => V;
  private readonly onError: (err: unknown, operation: CacheOperation) => void;

  constructor(
    private readonly redis: Redis,
    options: ReadThroughCacheOptions<V>,
  ) {
    this.prefix = options.prefix;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.encode = options.encode ?? ((value) => JSON.stringify(value));
    this.decode = options.decode ?? ((raw) => JSON.parse(raw) as V);
    this.onError = options.onError ?? (() => {});
  }

  /**
   * Values for `keys`; keys neither cached nor returned by the loader are absent from the result.
   * The loader is called at most once, with the distinct missing keys, and its errors propagate.
   */
  async getMany(
    keys: readonly string[],
    loader: (missing: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const distinct = [...new Set(keys)];
    const found = new Map<string, V>();
    if (distinct.length === 0) return found;

    const cached = await this.read(distinct);
    const missing: string[] = [];
    distinct.forEach((key, i) => {
      const raw = cached[i];
      if (raw == null) {
        missing.push(key);
        return;
      }
      try {
        found.set(key, this.decode(raw));
      } catch (err) {
        this.onError(err, 'read');
        missing.push(key);
      }
    });
    if (missing.length === 0) return found;

    const loaded = await loader(missing);
    const toWrite: Array<[string, V]> = [];
    for (const key of missing) {
      const value = loaded.get(key);
      if (value === undefined) continue;
      found.set(key, value);
      toWrite.push([key, value]);
    }
    await this.write(toWrite);
    return found;
  }

  async get(key: string, loader: (key: string) => Promise<V | undefined>): Promise<V | undefined> {
    const result = await this.getMany([key], async ([k]) => {
      const value = await loader(k as string);
      return value === undefined ? new Map() : new Map([[k as string, value]]);
    });
    return result.get(key);
  }

  /** Drops `keys`; a failure is reported to onError and the TTL bounds the staleness. */
  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await withTimeout(this.redis.del(...keys.map((k) => this.prefix + k)), this.timeoutMs);
    } catch (err) {
      this.onError(err, 'invalidate');
    }
  }

  private async read(keys: string[]): Promise<Array<string | null>> {
    try {
      return await withTimeout(this.redis.mget(...keys.map((k) => this.prefix + k)), this.timeoutMs);
    } catch (err) {
      this.onError(err, 'read');
      return keys.map(() => null);
    }
  }

  private async write(entries: Array<[string, V]>): Promise<void> {
    if (entries.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const [key, value] of entries)
        pipeline.set(this.prefix + key, this.encode(value), 'EX', this.ttlSeconds);
      const results = await withTimeout(pipeline.exec(), this.timeoutMs);
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.onError(err, 'write');
    }
  }
}
