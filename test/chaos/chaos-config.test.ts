import { describe, expect, it } from 'vitest';
import { chaosConfigFromEnv, DEFAULT_CONFIG, pipelineEnv } from './chaos-config.js';

describe('chaosConfigFromEnv', () => {
  it('reads CHAOS_* variables over the defaults', () => {
    const c = chaosConfigFromEnv({ CHAOS_NOTIFICATIONS: '5000', CHAOS_INFRA_RESTARTS: 'redis', CHAOS_INFRA_RESTART_AT: '0.5', CHAOS_MAX_KILLS: '3' });
    expect(c.notifications).toBe(5000);
    expect(c.infraRestarts).toEqual(['redis']);
    expect(c.maxKills).toBe(3);
    expect(c.providerFaults).toEqual(DEFAULT_CONFIG.providerFaults);
  });

  it('names a bad variable', () => {
    expect(() => chaosConfigFromEnv({ CHAOS_NOTIFICATIONS: 'many' })).toThrow(/CHAOS_NOTIFICATIONS/);
    expect(() => chaosConfigFromEnv({ CHAOS_INFRA_RESTARTS: 'zookeeper' })).toThrow(/zookeeper/);
    expect(() => chaosConfigFromEnv({ CHAOS_PROVIDER_5XX: '0.9', CHAOS_PROVIDER_429: '0.2' })).toThrow(/exceed 1/);
    expect(() => chaosConfigFromEnv({ CHAOS_FAULTS: 'kill,freeze' })).toThrow(/freeze/);
    expect(() => chaosConfigFromEnv({ CHAOS_PAUSE_MS: '20000', CHAOS_SESSION_TIMEOUT_MS: '30000' })).toThrow(/CHAOS_PAUSE_MS/);
    expect(chaosConfigFromEnv({ CHAOS_FAULTS: 'kill', CHAOS_PAUSE_MS: '20000' }).serviceFaults).toEqual(['kill']);
  });

  it('refuses lease times the retry tiers cannot outlast, and pauses longer than a claim', () => {
    expect(() => pipelineEnv({ ...DEFAULT_CONFIG, retryDelaysMs: [1000, 2000], idempotencyLeaseMs: 30_000 })).toThrow(/idempotencyLeaseMs/);
    expect(pipelineEnv({ ...DEFAULT_CONFIG, retryDelaysMs: [1000, 2000, 30_000], claimTtlMs: 60_000 }).sender).toEqual({ CLAIM_TTL_MS: '60000' });
    expect(pipelineEnv(DEFAULT_CONFIG).sender).toEqual({ CLAIM_TTL_MS: '60000' });
    expect(() => pipelineEnv({ ...DEFAULT_CONFIG, pauseMs: 70_000 })).toThrow(/pauseMs/);
    expect(pipelineEnv(DEFAULT_CONFIG).all.KAFKA_SESSION_TIMEOUT_MS).toBe('30000');
  });
});
