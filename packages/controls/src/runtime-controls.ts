import type { Channel, Provider } from '@notify/schemas';
import type { Redis } from 'ioredis';

const CONTROLS_KEY = 'notify:controls';

export interface ControlsSnapshot {
  disabledProviders: ReadonlySet<Provider>;
  disabledChannels: ReadonlySet<Channel>;
  /** Percent of recipients (0–100) a provider takes; absent means 100. */
  rollout: Readonly<Partial<Record<Provider, number>>>;
}

export const EMPTY_CONTROLS: ControlsSnapshot = { disabledProviders: new Set(), disabledChannels: new Set(), rollout: {} };

export interface ControlsChange {
  providers?: Partial<Record<Provider, { enabled?: boolean; rolloutPercent?: number }>>;
  channels?: Partial<Record<Channel, { enabled?: boolean }>>;
}

/** Controls live in one Redis hash so every replica reads the same state. */
export class ControlsStore {
  constructor(private readonly redis: Redis) {}

  async apply(change: ControlsChange): Promise<ControlsSnapshot> {
    const set: Record<string, string> = {};
    const del: string[] = [];
    const toggle = (field: string, enabled: boolean | undefined) => {
      if (enabled === true) del.push(field);
      else if (enabled === false) set[field] = '1';
    };
    for (const [p, v] of Object.entries(change.providers ?? {})) {
      toggle(`provider:${p}:disabled`, v?.enabled);
      if (v?.rolloutPercent !== undefined) set[`provider:${p}:rollout`] = String(v.rolloutPercent);
    }
    for (const [c, v] of Object.entries(change.channels ?? {})) {
      toggle(`channel:${c}:disabled`, v?.enabled);
    }
    const tx = this.redis.multi();
    if (Object.keys(set).length) tx.hset(CONTROLS_KEY, set);
    if (del.length) tx.hdel(CONTROLS_KEY, ...del);
    await tx.exec();
    return this.read();
  }

  async read(): Promise<ControlsSnapshot> {
    const raw = await this.redis.hgetall(CONTROLS_KEY);
    const disabledProviders = new Set<Provider>();
    const disabledChannels = new Set<Channel>();
    const rollout: Partial<Record<Provider, number>> = {};
    for (const [field, value] of Object.entries(raw)) {
      const [kind, name, prop] = field.split(':');
      if (kind === 'provider' && prop === 'disabled') disabledProviders.add(name as Provider);
      if (kind === 'provider' && prop === 'rollout') rollout[name as Provider] = Number(value);
      if (kind === 'channel' && prop === 'disabled') disabledChannels.add(name as Channel);
    }
    return { disabledProviders, disabledChannels, rollout };
  }
}

export function toJson(s: ControlsSnapshot) {
  return { disabledProviders: [...s.disabledProviders], disabledChannels: [...s.disabledChannels], rollout: s.rollout };
}
