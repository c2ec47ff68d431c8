import { ChannelValues, PROVIDERS, type Channel, type Provider } from '@notify/schemas';
import { ValidationError } from '@notify/runtime';
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

/** Parses an admin request body into a change, naming every bad field. */
export function parseControlsChange(body: unknown): ControlsChange {
  const issues: Array<{ path: string; message: string }> = [];
  const change: ControlsChange = {};
  if (!body || typeof body !== 'object') throw new ValidationError([{ path: '', message: 'expected a JSON object' }]);
  const { providers, channels, ...rest } = body as Record<string, unknown>;
  for (const k of Object.keys(rest)) issues.push({ path: k, message: 'unknown field' });
  if (providers !== undefined) {
    change.providers = {};
    for (const [p, v] of Object.entries(providers as Record<string, unknown>)) {
      if (!(PROVIDERS as readonly string[]).includes(p)) {
        issues.push({ path: `providers.${p}`, message: `unknown provider; one of ${PROVIDERS.join(', ')}` });
        continue;
      }
      const entry = v as { enabled?: unknown; rolloutPercent?: unknown };
      if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') issues.push({ path: `providers.${p}.enabled`, message: 'expected a boolean' });
      const pct = entry.rolloutPercent;
      if (pct !== undefined && (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100)) {
        issues.push({ path: `providers.${p}.rolloutPercent`, message: 'expected an integer from 0 to 100' });
      }
      change.providers[p as Provider] = entry as { enabled?: boolean; rolloutPercent?: number };
    }
  }
  if (channels !== undefined) {
    change.channels = {};
    for (const [c, v] of Object.entries(channels as Record<string, unknown>)) {
      if (!(ChannelValues as readonly string[]).includes(c)) {
        issues.push({ path: `channels.${c}`, message: `unknown channel; one of ${ChannelValues.join(', ')}` });
        continue;
      }
      const entry = v as { enabled?: unknown };
      if (typeof entry.enabled !== 'boolean') issues.push({ path: `channels.${c}.enabled`, message: 'expected a boolean' });
      change.channels[c as Channel] = entry as { enabled?: boolean };
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return change;
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
