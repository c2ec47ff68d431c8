import ipaddr from 'ipaddr.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/** What a refused range is called in messages (ipaddr.js names otherwise). */
const RANGE_LABELS: Record<string, string> = {
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  carrierGradeNat: 'carrier-grade NAT',
  deprecatedSiteLocal: 'site-local',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64 local-use',
  ipv4Compatible: 'IPv4-compatible',
};

/** NAT64's well-known prefix: an IPv6-only network reaches public IPv4 through it, so look inside. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');
/**
 * ipaddr.js calls ::/8 minus its named ranges unicast; it is IETF-reserved and holds the deprecated
 * IPv4-compatible form (::7f00:1), which must not pass as public.
 */
const IPV6_RESERVED_ZERO = ipaddr.parseCIDR('::/8');

/** A webhook host resolved (or was spelled) to an address deliveries may not reach. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED';

  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(host === address ? `${address} (${range})` : `${host} resolves to ${address} (${range})`);
    this.name = 'AddressRefusedError';
  }
}

export class InvalidAllowlistEntryError extends Error {
  constructor(readonly entries: readonly string[]) {
    super(`not a host name, IP address or CIDR: ${entries.join(', ')}`);
    this.name = 'InvalidAllowlistEntryError';
  }
}

/**
 * The range an address belongs to: `unicast` for a public address, otherwise the name of the special
 * range (loopback, private, linkLocal, ...). IPv4-mapped and NAT64 addresses are judged by the IPv4
 * address they carry. Accepts the lenient IPv4 spellings (2130706433, 0x7f.1, 0177.0.0.1).
 */
export function classifyAddress(address: string): string {
  return rangeOf(normalize(parseAddress(address)));
}

/**
 * Which addresses webhooks may reach: public unicast ones, plus whatever the allowlist names, by host
 * name (exact, case-insensitive) or by CIDR (a bare IP is a single-address CIDR).
 */
export class AddressPolicy {
  private constructor(
    private readonly hosts: ReadonlySet<string>,
    private readonly ranges: ReadonlyArray<[IP, number]>,
  ) {}

  static fromAllowlist(entries: readonly string[] = []): AddressPolicy {
    const hosts = new Set<string>();
    const ranges: Array<[IP, number]> = [];
    const invalid: string[] = [];
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const range = parseRange(entry);
      if (range) ranges.push(range);
      else if (isHostName(entry)) hosts.add(hostKey(entry));
      else invalid.push(entry);
    }
    if (invalid.length) throw new InvalidAllowlistEntryError(invalid);
    return new AddressPolicy(hosts, ranges);
  }

  /** Why `host` may not be reached at `address` (one of the addresses it resolved to), if it may not. */
  refusal(host: string, address: string): AddressRefusedError | undefined {
    if (this.hosts.has(hostKey(host))) return undefined;
    let ip: IP;
    try {
      ip = normalize(parseAddress(address));
    } catch {
      return new AddressRefusedError(host, address, 'not an IP address');
    }
    if (this.ranges.some((r) => r[0].kind() === ip.kind() && ip.match(r))) return undefined;
    const range = rangeOf(ip);
    if (range === 'unicast') return undefined;
    return new AddressRefusedError(host, address, RANGE_LABELS[range] ?? range);
  }
}

/** The AddressRefusedError an error was caused by, however deeply fetch and undici wrapped it. */
export function findAddressRefusal(err: unknown): AddressRefusedError | undefined {
  for (let e = err, depth = 0; e && depth < 5; depth += 1) {
    if (e instanceof AddressRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function parseAddress(address: string): IP {
  return ipaddr.parse(unbracket(address));
}

function normalize(ip: IP): IP {
  if (ip.kind() !== 'ipv6') return ip;
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.match(NAT64_WELL_KNOWN)) return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  return v6;
}

function rangeOf(ip: IP): string {
  const range = ip.range();
  if (range === 'unicast' && ip.kind() === 'ipv6' && ip.match(IPV6_RESERVED_ZERO)) return 'ipv4Compatible';
  return range;
}

function parseRange(entry: string): [IP, number] | undefined {
  try {
    if (entry.includes('/')) {
      const [ip, bits] = ipaddr.parseCIDR(entry);
      const v6 = ip as ipaddr.IPv6;
      // Addresses are compared after unwrapping IPv4-mapped ones, so the range must be unwrapped too.
      if (ip.kind() === 'ipv6' && v6.isIPv4MappedAddress() && bits >= 96)
        return [v6.toIPv4Address(), bits - 96];
      return [ip, bits];
    }
    const ip = normalize(parseAddress(entry));
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

function isHostName(entry: string): boolean {
  return /^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(
    entry,
  );
}

function hostKey(host: string): string {
  return unbracket(host).toLowerCase().replace(/\.$/, '');
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
