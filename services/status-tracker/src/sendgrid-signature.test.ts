import { ConfigError } from '@notify/runtime';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SendGridSignatureVerifier } from './sendgrid-signature.js';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('SendGridSignatureVerifier', () => {
  it('accepts the key as base64 DER or PEM and checks timestamp + raw body', () => {
    const body = Buffer.from('[{"event":"delivered"}]');
    const ts = '1700000000';
    const signature = sign('sha256', Buffer.concat([Buffer.from(ts), body]), privateKey).toString('base64');
    for (const key of [publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), publicKey.export({ type: 'spki', format: 'pem' }).toString()]) {
      const verifier = new SendGridSignatureVerifier(key);
      expect(verifier.verify(body, signature, ts)).toBe(true);
      expect(verifier.verify(body, signature, '1700000001')).toBe(false);
      expect(verifier.verify(Buffer.from('[]'), signature, ts)).toBe(false);
      expect(verifier.verify(body, 'not-a-signature', ts)).toBe(false);
    }
  });

  it('refuses a key that is not one, as a configuration error', () => {
    expect(() => new SendGridSignatureVerifier('bm90IGEga2V5')).toThrow(ConfigError);
  });
});
