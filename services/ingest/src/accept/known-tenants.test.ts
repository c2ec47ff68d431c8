import { describe, expect, it } from 'vitest';
import { KnownTenants } from './known-tenants.js';

function directory(tenants: string[]) {
  const asked: string[][] = [];
  const existing = new Set(tenants);
  return {
    asked,
    existing,
    store: {
      existing: async (ids: readonly string[]) => {
        asked.push([...ids]);
        return new Set(ids.filter((id) => existing.has(id)));
      },
    },
  };
}

describe('KnownTenants', () => {
  it('asks only about tenants it has not found yet, in one call', async () => {
    const d = directory(['a', 'b']);
    const known = new KnownTenants(d.store, { ttlMs: 1_000, now: () => 0 });
    expect(await known.existing(['a', 'ghost', 'a'])).toEqual(new Set(['a']));
    expect(await known.existing(['a', 'b', 'ghost'])).toEqual(new Set(['a', 'b']));
    expect(await known.existing(['b', 'a'])).toEqual(new Set(['a', 'b']));
    expect(d.asked).toEqual([
      ['a', 'ghost'],
      ['b', 'ghost'],
    ]);
  });

  it('finds a tenant created after it was asked about, and asks again once the lifetime has passed', async () => {
    const d = directory([]);
    let now = 0;
    const known = new KnownTenants(d.store, { ttlMs: 1_000, now: () => now });
    expect(await known.existing(['late'])).toEqual(new Set());
    d.existing.add('late');
    expect(await known.existing(['late'])).toEqual(new Set(['late']));
    now = 999;
    await known.existing(['late']);
    expect(d.asked).toHaveLength(2);
    now = 1_000;
    await known.existing(['late']);
    expect(d.asked).toHaveLength(3);
  });

  it('starts over past its size limit', async () => {
    const d = directory(['a', 'b', 'c']);
    const known = new KnownTenants(d.store, { ttlMs: 1_000, maxEntries: 2, now: () => 0 });
    await known.existing(['a', 'b']);
    await known.existing(['c']); // full: forgets a and b
    await known.existing(['a', 'c']);
    expect(d.asked).toEqual([['a', 'b'], ['c'], ['a']]);
  });
});
