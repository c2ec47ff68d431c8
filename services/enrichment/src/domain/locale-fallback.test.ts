import { describe, expect, it } from 'vitest';
import { localeFallbackChain, normalizeLocale } from './locale-fallback.js';

describe('localeFallbackChain', () => {
  it('goes from the recipient locale to its language, the tenant default, then en', () => {
    expect(localeFallbackChain('pt-BR', 'fr')).toEqual(['pt-BR', 'pt', 'fr', 'en']);
  });

  it('has no duplicates', () => {
    expect(localeFallbackChain('en-GB', 'en')).toEqual(['en-GB', 'en']);
    expect(localeFallbackChain('en', 'en')).toEqual(['en']);
    expect(localeFallbackChain('fr-CA', 'fr-FR')).toEqual(['fr-CA', 'fr', 'fr-FR', 'en']);
  });

  it('walks every subtag and drops dangling singletons', () => {
    expect(localeFallbackChain('zh-Hant-TW', 'en')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(localeFallbackChain('de-DE-u-co-phonebk', 'en')).toEqual([
      'de-DE-u-co-phonebk',
      'de-DE-u-co',
      'de-DE',
      'de',
      'en',
    ]);
  });

  it('normalizes spelling and skips what is not a locale', () => {
    expect(localeFallbackChain('pt_br', 'EN')).toEqual(['pt-BR', 'pt', 'en']);
    expect(localeFallbackChain(undefined, 'es')).toEqual(['es', 'en']);
    expect(localeFallbackChain('', 'es')).toEqual(['es', 'en']);
    expect(localeFallbackChain('not a locale!', 'es-MX')).toEqual(['es-MX', 'es', 'en']);
  });
});

describe('normalizeLocale', () => {
  it('canonicalizes case and separators', () => {
    expect(normalizeLocale('en_gb')).toBe('en-GB');
    expect(normalizeLocale(' zh-hant-tw ')).toBe('zh-Hant-TW');
    expect(normalizeLocale('??')).toBeNull();
  });
});
