/** Last resort of every chain. */
export const ULTIMATE_FALLBACK_LOCALE = 'en';

/** 'pt_br' → 'pt-BR'; null for something that is not a BCP 47 tag. */
export function normalizeLocale(locale: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(locale.trim().replace(/_/g, '-'));
    return canonical ?? null;
  } catch {
    return null;
  }
}

/** 'zh-Hant-TW' → ['zh-Hant-TW', 'zh-Hant', 'zh'], dropping a singleton left dangling (RFC 4647 lookup). */
function truncations(locale: string): string[] {
  const out: string[] = [];
  const subtags = locale.split('-');
  while (subtags.length > 0) {
    out.push(subtags.join('-'));
    subtags.pop();
    if (subtags.length > 0 && (subtags[subtags.length - 1] as string).length === 1) subtags.pop();
  }
  return out;
}

/**
 * Locales to look for content in, most specific first, without duplicates: the recipient's locale
 * and its parents, then the tenant's default and its parents, then 'en'.
 * 'pt-BR' with tenant default 'fr' → ['pt-BR', 'pt', 'fr', 'en'].
 */
export function localeFallbackChain(
  recipientLocale: string | null | undefined,
  tenantDefaultLocale: string,
): string[] {
  const chain: string[] = [];
  for (const candidate of [recipientLocale, tenantDefaultLocale, ULTIMATE_FALLBACK_LOCALE]) {
    const normalized = candidate ? normalizeLocale(candidate) : null;
    if (!normalized) continue;
    for (const locale of truncations(normalized)) if (!chain.includes(locale)) chain.push(locale);
  }
  return chain;
}
