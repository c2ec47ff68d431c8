import dns, { type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { AddressPolicy } from './address-policy.js';

/** Resolves a host name to every address it has; tests swap it for a fixed answer. */
export type Resolver = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, options) => dns.promises.lookup(hostname, options);

/**
 * A `lookup` for net/tls.connect that resolves the host, refuses it when any of its addresses is
 * refused by the policy, and otherwise hands the socket exactly the addresses it checked, so nothing
 * can re-resolve the name to something else between the check and the connection.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    resolve(hostname, { ...options, all: true }).then(
      (addresses) => {
        const refused = addresses.map((a) => policy.refusal(hostname, a.address)).find(Boolean);
        if (refused) return callback(refused, '', 0);
        if (!addresses.length) return callback(notFound(hostname), '', 0);
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
}

export interface GuardedDispatcherOptions {
  resolve?: Resolver;
}

/**
 * An undici Agent that only connects where the policy allows. Host names are checked in the socket's
 * own lookup; IP-literal hosts never reach a lookup (net connects to them directly), so the connector
 * checks those itself.
 */
export function createGuardedDispatcher(
  policy: AddressPolicy,
  options: GuardedDispatcherOptions = {},
): Agent {
  const connect = buildConnector({ lookup: guardedLookup(policy, options.resolve) });
  return new Agent({
    connect: (opts, callback) => {
      const refused = isIP(opts.hostname) ? policy.refusal(opts.hostname, opts.hostname) : undefined;
      if (refused) return callback(refused, null);
      connect(opts, callback);
    },
  });
}
