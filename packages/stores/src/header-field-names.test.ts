import { describe, expect, it } from 'vitest';
import { decodeHeaderFields, encodeHeaderFields } from './header-field-names.js';

describe('header field names', () => {
  it('escapes the characters field names cannot hold and restores them', () => {
    const headers = { 'spring.json.header.types': 'x', $type: 'y', '100%': 'z', traceparent: 't' };
    const encoded = encodeHeaderFields(headers);
    expect(encoded).toEqual({
      'spring%2Ejson%2Eheader%2Etypes': 'x',
      '%24type': 'y',
      '100%25': 'z',
      traceparent: 't',
    });
    expect(decodeHeaderFields(encoded)).toEqual(headers);
  });

  it('round-trips names that already look escaped', () => {
    const headers = { 'a%2Eb': '1', 'a.b': '2' };
    expect(decodeHeaderFields(encodeHeaderFields(headers))).toEqual(headers);
  });
});
