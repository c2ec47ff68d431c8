import { ValidationError, type FieldIssue } from '@notify/core';
import { ChannelValues, type Channel } from '@notify/schemas';

export const ANY = '*';

/**
 * One line of the cap policy: at most `max` messages per recipient within any `windowMs`. A missing or
 * '*' category (channel) means the counter spans every category (channel): `{ channel: 'SMS', max: 5,
 * windowMs: 86_400_000 }` allows five SMS a day across all categories together. Each channel a
 * notification goes out on counts as one message.
 */
export interface FrequencyCapRule {
  category?: string;
  channel?: Channel | typeof ANY;
  max: number;
  windowMs: number;
}

/** A rule resolved for one (category, channel): the counter it uses is named by `category` × `channel`. */
export interface AppliedCap {
  category: string;
  channel: Channel | typeof ANY;
  max: number;
  windowMs: number;
}

/** How many messages the cap's counter held in its window before this one. */
export interface CapCount {
  cap: AppliedCap;
  count: number;
}

/** The outcome of checking (and, when allowed, recording) one channel of one notification. */
export interface CapVerdict {
  allowed: boolean;
  /** The first cap that refused it; null when allowed. */
  exceeded: CapCount | null;
  counts: CapCount[];
}

/** The caps that limit a message of `category` on `channel`, without duplicates. */
export function capsFor(
  policy: readonly FrequencyCapRule[],
  category: string,
  channel: Channel,
): AppliedCap[] {
  const caps = new Map<string, AppliedCap>();
  for (const rule of policy) {
    const ruleCategory = rule.category ?? ANY;
    const ruleChannel = rule.channel ?? ANY;
    if (ruleCategory !== ANY && ruleCategory !== category) continue;
    if (ruleChannel !== ANY && ruleChannel !== channel) continue;
    const cap: AppliedCap = {
      category: ruleCategory,
      channel: ruleChannel,
      max: rule.max,
      windowMs: rule.windowMs,
    };
    caps.set(capId(cap), cap);
  }
  return [...caps.values()];
}

/** A readable, stable name for a cap, e.g. "*\/SMS:5/86400000ms". */
export function capId(cap: AppliedCap): string {
  return `${cap.category}/${cap.channel}:${cap.max}/${cap.windowMs}ms`;
}

/** The first cap already full (count ≥ max), or null when one more message fits under every cap. */
export function exceededCap(counts: readonly CapCount[]): CapCount | null {
  return counts.find((c) => c.count >= c.cap.max) ?? null;
}

/**
 * Parses the cap policy from configuration: a JSON array of rules (or the array itself). Every bad
 * entry is reported at once.
 */
export function parseFrequencyCapPolicy(input: unknown): FrequencyCapRule[] {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = input.trim() === '' ? [] : JSON.parse(input);
    } catch (err) {
      throw new ValidationError([{ path: '', message: `not JSON: ${(err as Error).message}` }]);
    }
  }
  if (!Array.isArray(value))
    throw new ValidationError([{ path: '', message: 'expected an array of cap rules' }]);

  const issues: FieldIssue[] = [];
  const rules: FrequencyCapRule[] = [];
  value.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) {
      issues.push({ path: `[${i}]`, message: 'expected an object' });
      return;
    }
    const r = raw as Record<string, unknown>;
    const rule: FrequencyCapRule = { max: r.max as number, windowMs: r.windowMs as number };
    if (!Number.isInteger(r.max) || (r.max as number) < 1)
      issues.push({ path: `[${i}].max`, message: 'expected an integer ≥ 1' });
    if (!Number.isInteger(r.windowMs) || (r.windowMs as number) < 1)
      issues.push({ path: `[${i}].windowMs`, message: 'expected an integer number of milliseconds ≥ 1' });
    if (r.category !== undefined) {
      if (typeof r.category !== 'string' || r.category === '')
        issues.push({ path: `[${i}].category`, message: "expected a category or '*'" });
      else rule.category = r.category;
    }
    if (r.channel !== undefined) {
      if (r.channel !== ANY && !(ChannelValues as readonly unknown[]).includes(r.channel))
        issues.push({
          path: `[${i}].channel`,
          message: `expected one of ${ChannelValues.join(', ')} or '*'`,
        });
      else rule.channel = r.channel as Channel | typeof ANY;
    }
    rules.push(rule);
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return rules;
}
