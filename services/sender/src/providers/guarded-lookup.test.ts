import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressPolicy, AddressRefusedError } from './address-policy.js';
import { guardedLookup, type Resolver } from './guarded-lookup.js';

const fixed =
  (answers: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const answers = fixed({
  'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
  'mixed.example': ['93.184.216.34', '10.0.0.5'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'empty.example': [],
});

function lookup(policy: AddressPolicy, hostname: string, options: LookupOptions) {
  return new Promise<{
    err: NodeJS.ErrnoException | null;
    address: string | LookupAddress[];
    family?: number;
  }>((resolve) =>
    guardedLookup(policy, answers)(hostname, options, (err, address, family) =>
      resolve({ err, address, family }),
    ),
  );
}

describe('guardedLookup', () => {
  const publicOnly = AddressPolicy.fromAllowlist([]);

  it('hands the socket every checked address, or the first when not asked for all', async () => {
    expect(await lookup(publicOnly, 'public.example', { all: true })).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookup(publicOnly, 'public.example', {})).toEqual({
      err: null,
      address: '93.184.216.34',
      family: 4,
    });
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const { err } = await lookup(publicOnly, 'mixed.example', { all: true });
    expect(err).toBeInstanceOf(AddressRefusedError);
    expect(err?.message).toBe('mixed.example resolves to 10.0.0.5 (private)');
    expect((await lookup(publicOnly, 'metadata.example', {})).err?.message).toBe(
      'metadata.example resolves to 169.254.169.254 (link-local)',
    );
    expect((await lookup(publicOnly, 'mapped.example', {})).err?.message).toBe(
      'mapped.example resolves to ::ffff:127.0.0.1 (loopback)',
    );
  });

  it('lets the allowlist through, by name or by range', async () => {
    expect(
      (await lookup(AddressPolicy.fromAllowlist(['mixed.example']), 'mixed.example', {})).err,
    ).toBeNull();
    expect((await lookup(AddressPolicy.fromAllowlist(['10.0.0.0/8']), 'mixed.example', {})).err).toBeNull();
    expect(
      (await lookup(AddressPolicy.fromAllowlist(['10.0.0.0/8']), 'metadata.example', {})).err,
    ).toBeInstanceOf(AddressRefusedError);
  });

  it('passes resolution failures on as they are (transient, not a refusal)', async () => {
    const { err } = await lookup(publicOnly, 'nowhere.example', {});
    expect(err).not.toBeInstanceOf(AddressRefusedError);
    expect(err?.code).toBe('ENOTFOUND');
    expect((await lookup(publicOnly, 'empty.example', {})).err?.code).toBe('ENOTFOUND');
  });
});
