import type { Redis } from 'ioredis';

/** `taken`: the caller holds the key (also when it already did). `heldBy`: the value standing in the key. */
export type RedisTake = { taken: true } | { heldBy: string };

/** One key's answer of a pipelined call: its result, or the error that failed it alone. */
export type PerKey<T> = T | Error;

// Compare-and-delete: only the lease's owner releases it.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

type PipelineReplies = Array<[Error | null, unknown]>;

/** A pipeline's replies; a pipeline that did not run at all is thrown. */
function replies(result: PipelineReplies | null): PipelineReplies {
  if (!result) throw new Error('Redis pipeline was discarded');
  return result;
}

/**
 * Exclusive, expiring claims on keys, held in Redis: the fast claim in front of a durable record, for
 * a hot path that pays one round trip per batch. The same contract as MongoLeases (one holder at a
 * time, taken again once run out or released by its owner), with Redis's own expiry. A caller may put
 * a value of its own in a key it holds (e.g. a completion mark) and find it as `heldBy` later.
 */
export class RedisLeases {
  constructor(private readonly redis: Redis) {}

  /**
   * SET NX PX and a GET of each key in one pipeline; the GET tells who holds a key the SET found taken.
   * A key whose lease ran out between the two is tried again.
   */
  async take(keys: readonly string[], owner: string, leaseMs: number): Promise<Array<PerKey<RedisTake>>> {
    const results = new Array<PerKey<RedisTake>>(keys.length);
    let pending = keys.map((_, i) => i);
    while (pending.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const i of pending) pipeline.set(keys[i]!, owner, 'PX', leaseMs, 'NX').get(keys[i]!);
      const answers = replies(await pipeline.exec());
      const again: number[] = [];
      pending.forEach((i, j) => {
        const [setErr, set] = answers[2 * j]!;
        const [getErr, current] = answers[2 * j + 1]!;
        const err = setErr ?? getErr;
        if (err) results[i] = err;
        else if (set === 'OK' || current === owner) results[i] = { taken: true };
        else if (current === null) again.push(i);
        else results[i] = { heldBy: current as string };
      });
      pending = again;
    }
    return results;
  }

  /** Gives up the keys `owner` holds; a key someone else holds, or that holds another value, is left. */
  async release(keys: readonly string[], owner: string): Promise<Array<Error | undefined>> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.eval(RELEASE, 1, key, owner);
    return replies(await pipeline.exec()).map(([err]) => err ?? undefined);
  }
}
