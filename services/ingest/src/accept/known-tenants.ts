import type { TenantDirectory } from '../domain/references.js';

export interface KnownTenantsOptions {
  /** How long a tenant found to exist is not asked about again. */
  ttlMs: number;
  /** Tenants remembered at most; past it the memory starts over. */
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Remembers the tenants found to exist, in memory: every request names one and tenants are never
 * deleted, so a repeat costs no lookup. A tenant not found is asked about again each time, so one
 * created a moment ago is known at once.
 */
export class KnownTenants implements TenantDirectory {
  private readonly knownUntil = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly store: TenantDirectory,
    options: KnownTenantsOptions,
  ) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  async existing(tenantIds: readonly string[]): Promise<ReadonlySet<string>> {
    const now = this.now();
    const found = new Set<string>();
    const unknown: string[] = [];
    for (const tenantId of new Set(tenantIds)) {
      if ((this.knownUntil.get(tenantId) ?? 0) > now) found.add(tenantId);
      else unknown.push(tenantId);
    }
    if (unknown.length === 0) return found;
    for (const tenantId of await this.store.existing(unknown)) {
      found.add(tenantId);
      if (this.knownUntil.size >= this.maxEntries) this.knownUntil.clear();
      this.knownUntil.set(tenantId, now + this.ttlMs);
    }
    return found;
  }
}
