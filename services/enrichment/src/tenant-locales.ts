import type { TenantRepository } from '@notify/stores';
import { ULTIMATE_FALLBACK_LOCALE } from './domain/locale-fallback.js';

/** Tenants' default locales, kept in memory for `ttlMs`: tenants change rarely and every record needs one. */
export class TenantLocales {
  private readonly cache = new Map<string, { locale: string; until: number }>();

  constructor(
    private readonly tenants: Pick<TenantRepository, 'get'>,
    private readonly ttlMs: number,
  ) {}

  async defaultLocale(tenantId: string, now: number): Promise<string> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > now) return hit.locale;
    const locale = (await this.tenants.get(tenantId))?.defaultLocale ?? ULTIMATE_FALLBACK_LOCALE;
    this.cache.set(tenantId, { locale, until: now + this.ttlMs });
    return locale;
  }
}
