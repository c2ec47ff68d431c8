import { DependencyUnavailableError } from '@notify/runtime';
import type { Channel } from '@notify/schemas';
import type { ChainableCommander, Redis } from 'ioredis';
import type { CapCheck } from '../domain/decide.js';
import { exceededCap, type AppliedCap, type CapCount, type CapVerdict } from '../domain/frequency-cap.js';

/** Which recipient, category and channel a message counts for. */
export interface CapKeyParts {
  tenantId: string;
  userId: string;
  category: string;
  channel: Channel;
}

export interface CapCheckResult extends CapVerdict {
  notificationId: string;
  channel: Channel;
  /** The message had been recorded before (a redelivery): allowed again and not counted twice. */
  alreadyRecorded: boolean;
}

export interface FrequencyCapStoreOptions {
  /** Prepended to every key. */
  keyPrefix?: string;
}

const DEFAULT_PREFIX = 'notify:';
const COMMAND = 'notifyFrequencyCapCheck';

/**
 * KEYS: one sorted set per counter (scores: epoch ms, members: "<notificationId>|<channel>").
 * ARGV: now, member, cap count, then per cap (key index, max, windowMs), then per key its retention ms.
 * A message is inside a window when its score is > now - windowMs. Returns {status, exceeded cap index
 * (1-based, 0 for none), counts before this message}; status 0 recorded, 1 already recorded, 2 over cap.
 */
const CHECK_AND_RECORD = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local ncaps = tonumber(ARGV[3])
local retentionAt = 3 + ncaps * 3
for k = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', string.format('%d', now - tonumber(ARGV[retentionAt + k])))
end
local already = 0
for k = 1, #KEYS do
  if redis.call('ZSCORE', KEYS[k], member) then already = 1 break end
end
local counts = {}
local exceeded = 0
for c = 1, ncaps do
  local at = 3 + (c - 1) * 3
  local key = KEYS[tonumber(ARGV[at + 1])]
  local max = tonumber(ARGV[at + 2])
  local from = now - tonumber(ARGV[at + 3])
  local n = redis.call('ZCOUNT', key, '(' .. string.format('%d', from), '+inf')
  local own = redis.call('ZSCORE', key, member)
  if own and tonumber(own) > from then n = n - 1 end
  counts[c] = n
  if exceeded == 0 and n >= max then exceeded = c end
end
if already == 1 then return {1, 0, counts} end
if exceeded > 0 then return {2, exceeded, counts} end
for k = 1, #KEYS do
  redis.call('ZADD', KEYS[k], now, member)
  redis.call('PEXPIRE', KEYS[k], tonumber(ARGV[retentionAt + k]))
end
return {0, 0, counts}
`;

type ScriptArgs = [numKeys: number, ...keysAndArgs: (string | number)[]];
/** The client and its pipelines once `defineCommand` has added the script. */
type ScriptedPipeline = ChainableCommander & { [COMMAND](...args: ScriptArgs): ChainableCommander };

interface PreparedCall {
  args: ScriptArgs;
  caps: AppliedCap[];
  check: CapCheck;
}

/**
 * Sliding-window frequency-cap counters in Redis: a sorted set per recipient × counter scope, checked and
 * recorded in one Lua script, so that concurrent consumers cannot both take the last slot. A message is
 * recorded only when it fits under every cap that applies to it, and at most once per (notification,
 * channel): a redelivered notification finds itself recorded, passes, and is not counted again.
 *
 * Keys carry the recipient in a hash tag, so one recipient's counters live in one Redis Cluster slot.
 */
export class FrequencyCapStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, options: FrequencyCapStoreOptions = {}) {
    redis.defineCommand(COMMAND, { lua: CHECK_AND_RECORD });
    this.redis = redis;
    this.prefix = options.keyPrefix ?? DEFAULT_PREFIX;
  }

  /** The Redis key of a cap's counter for one recipient. */
  counterKey(
    parts: Pick<CapKeyParts, 'tenantId' | 'userId'>,
    cap: Pick<AppliedCap, 'category' | 'channel'>,
  ): string {
    return `${this.prefix}fcap:{${parts.tenantId}:${parts.userId}}:${cap.category}:${cap.channel}`;
  }

  /** Checks one channel of one notification against `caps` at `now` (epoch ms), recording it if it fits. */
  async checkAndRecord(
    parts: CapKeyParts,
    caps: AppliedCap[],
    now: number,
    notificationId: string,
  ): Promise<CapCheckResult> {
    const [result] = await this.checkAndRecordMany([{ ...parts, notificationId, caps }], now);
    return result!;
  }

  /**
   * Several checks in one round trip, evaluated in order (earlier ones take the slots first); each is
   * atomic on its own. Checks without caps are allowed without touching Redis.
   */
  async checkAndRecordMany(checks: readonly CapCheck[], now: number): Promise<CapCheckResult[]> {
    const prepared = checks.map((check) => (check.caps.length === 0 ? null : this.prepare(check, now)));
    const calls = prepared.filter((p): p is PreparedCall => p !== null);
    let replies: unknown[] = [];
    if (calls.length > 0) {
      const pipeline = this.redis.pipeline() as ScriptedPipeline;
      for (const call of calls) pipeline[COMMAND](...call.args);
      const settled = await pipeline.exec().catch((err: unknown) => {
        throw new DependencyUnavailableError('redis (frequency caps)', { cause: err });
      });
      replies = (settled ?? []).map(([err, reply]) => {
        if (err) throw new DependencyUnavailableError('redis (frequency caps)', { cause: err });
        return reply;
      });
    }
    let next = 0;
    return prepared.map((call, i) => {
      const check = checks[i]!;
      if (call === null)
        return {
          notificationId: check.notificationId,
          channel: check.channel,
          allowed: true,
          alreadyRecorded: false,
          exceeded: null,
          counts: [],
        };
      return toResult(call, replies[next++]);
    });
  }

  private prepare(check: CapCheck, now: number): PreparedCall {
    const keys: string[] = [];
    const retention: number[] = [];
    const capArgs: number[] = [];
    for (const cap of check.caps) {
      const key = this.counterKey(check, cap);
      let index = keys.indexOf(key);
      if (index < 0) {
        index = keys.push(key) - 1;
        retention.push(cap.windowMs);
      } else {
        retention[index] = Math.max(retention[index]!, cap.windowMs);
      }
      capArgs.push(index + 1, cap.max, cap.windowMs);
    }
    const member = `${check.notificationId}|${check.channel}`;
    return {
      args: [keys.length, ...keys, Math.trunc(now), member, check.caps.length, ...capArgs, ...retention],
      caps: check.caps,
      check,
    };
  }
}

function toResult(call: PreparedCall, reply: unknown): CapCheckResult {
  const [status, exceededIndex, rawCounts] = reply as [number, number, number[]];
  const counts: CapCount[] = call.caps.map((cap, i) => ({ cap, count: Number(rawCounts[i] ?? 0) }));
  const base = { notificationId: call.check.notificationId, channel: call.check.channel, counts };
  if (status === 1) return { ...base, allowed: true, alreadyRecorded: true, exceeded: null };
  if (status === 2)
    return {
      ...base,
      allowed: false,
      alreadyRecorded: false,
      exceeded: counts[exceededIndex - 1] ?? exceededCap(counts),
    };
  return { ...base, allowed: true, alreadyRecorded: false, exceeded: null };
}

/** Cap results grouped per notification, in the shape `decide`/`applyCapVerdicts` take. */
export function verdictsByNotification(
  results: readonly CapCheckResult[],
): Map<string, Partial<Record<Channel, CapVerdict>>> {
  const byNotification = new Map<string, Partial<Record<Channel, CapVerdict>>>();
  for (const r of results) {
    const verdicts = byNotification.get(r.notificationId) ?? {};
    verdicts[r.channel] = { allowed: r.allowed, exceeded: r.exceeded, counts: r.counts };
    byNotification.set(r.notificationId, verdicts);
  }
  return byNotification;
}
