import { describe, expect, it } from 'vitest';
import {
  AddressPolicy,
  AddressRefusedError,
  classifyAddress,
  findAddressRefusal,
  InvalidAllowlistEntryError,
} from './address-policy.js';

const publicOnly = AddressPolicy.fromAllowlist([]);

/** The label a host spelled as in a URL is refused with, after WHATWG parsing (or undefined: allowed). */
function refusedAs(urlHost: string, policy = publicOnly): string | undefined {
  const host = new URL(`http://${urlHost}/`).hostname;
  return policy.refusal(host, host)?.range;
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'ipv4Compatible'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    // IPv4-mapped and NAT64 addresses are judged by the IPv4 address inside.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
    ['64:ff9b::808:808', 'unicast'],
    ['::ffff:8.8.8.8', 'unicast'],
    // Numeric IPv4 spellings.
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['012.0.0.5', 'private'],
    ['8.8.8.8', 'unicast'],
    ['1.1.1.1', 'unicast'],
    ['93.184.216.34', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
    ['2a00:1450:4001:80b::200e', 'unicast'],
  ])('%s is %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
  });
});

describe('AddressPolicy', () => {
  it('refuses every non-public address with the name of its range', () => {
    const refusal = publicOnly.refusal('hooks.example', '10.0.0.5');
    expect(refusal).toBeInstanceOf(AddressRefusedError);
    expect(refusal?.message).toBe('hooks.example resolves to 10.0.0.5 (private)');
    expect(publicOnly.refusal('169.254.169.254', '169.254.169.254')?.message).toBe(
      '169.254.169.254 (link-local)',
    );
    expect(publicOnly.refusal('x.example', '100.64.1.1')?.range).toBe('carrier-grade NAT');
    expect(publicOnly.refusal('x.example', 'fd00::1')?.range).toBe('unique-local');
    expect(publicOnly.refusal('x.example', 'not-an-ip')?.range).toBe('not an IP address');
  });

  it('allows public addresses', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(publicOnly.refusal('hooks.example', address)).toBeUndefined();
    }
  });

  it('refuses the host spellings URL parsing turns into loopback, unspecified or private addresses', () => {
    for (const host of [
      '127.0.0.1',
      '2130706433',
      '0x7f.1',
      '0x7f.0.0.1',
      '0177.0.0.1',
      '127.1',
      '0',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[0:0:0:0:0:ffff:7f00:1]',
    ]) {
      expect(refusedAs(host), host).toMatch(/^(loopback|unspecified)$/);
    }
    expect(refusedAs('[::]')).toBe('unspecified');
    expect(refusedAs('0xa000005')).toBe('private');
    expect(refusedAs('0251.0376.0251.0376')).toBe('link-local');
    expect(refusedAs('[fe80::1]')).toBe('link-local');
    expect(refusedAs('8.8.8.8')).toBeUndefined();
  });

  it('allows what the allowlist names, by host name or by CIDR', () => {
    const policy = AddressPolicy.fromAllowlist([
      '127.0.0.1/32',
      '::1/128',
      'Hooks.Internal',
      '10.1.0.0/16',
      '192.168.7.7',
    ]);
    expect(policy.refusal('127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(policy.refusal('localhost', '127.0.0.1')).toBeUndefined();
    expect(policy.refusal('localhost', '::1')).toBeUndefined();
    expect(policy.refusal('localhost', '::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.refusal('hooks.internal', '10.9.9.9')).toBeUndefined();
    expect(policy.refusal('HOOKS.internal.', '172.16.0.1')).toBeUndefined();
    expect(policy.refusal('svc.example', '10.1.200.3')).toBeUndefined();
    expect(policy.refusal('svc.example', '192.168.7.7')).toBeUndefined();
    // Only what is named: the rest of loopback and of the private ranges stays refused.
    expect(policy.refusal('x', '127.0.0.2')?.range).toBe('loopback');
    expect(policy.refusal('svc.example', '10.2.0.1')?.range).toBe('private');
    expect(policy.refusal('svc.example', '192.168.7.8')?.range).toBe('private');
    expect(policy.refusal('other.internal', '10.9.9.9')?.range).toBe('private');
    expect(policy.refusal('hooks.internal.evil.example', '10.9.9.9')?.range).toBe('private');
  });

  it('matches an IPv4-mapped CIDR against the IPv4 addresses it maps', () => {
    const policy = AddressPolicy.fromAllowlist(['::ffff:10.0.0.0/104']);
    expect(policy.refusal('x', '10.3.4.5')).toBeUndefined();
    expect(policy.refusal('x', '::ffff:10.3.4.5')).toBeUndefined();
    expect(policy.refusal('x', '11.0.0.1')).toBeUndefined(); // public anyway
    expect(policy.refusal('x', '172.16.0.1')?.range).toBe('private');
  });

  it('ignores blank entries and names every invalid one', () => {
    expect(() => AddressPolicy.fromAllowlist(['', '  ', 'a.example'])).not.toThrow();
    let caught: unknown;
    try {
      AddressPolicy.fromAllowlist(['10.0.0.0/33', 'ok.example', 'bad host', 'http://x/']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidAllowlistEntryError);
    expect((caught as InvalidAllowlistEntryError).entries).toEqual(['10.0.0.0/33', 'bad host', 'http://x/']);
  });

  it('finds a refusal however deeply it was wrapped', () => {
    const refusal = new AddressRefusedError('h', '10.0.0.1', 'private');
    const wrapped = new TypeError('fetch failed', { cause: new Error('connect', { cause: refusal }) });
    expect(findAddressRefusal(wrapped)).toBe(refusal);
    expect(
      findAddressRefusal(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    ).toBeUndefined();
    expect(findAddressRefusal(undefined)).toBeUndefined();
  });
});
