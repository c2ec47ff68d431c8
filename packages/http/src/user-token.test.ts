import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { isUserTokenShaped } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-errors.js';
import {
  issueUserToken,
  USER_TOKEN_TTL_SECONDS,
  UserTokenError,
  verifyUserToken,
  type UserTokenFailure,
  type UserTokenKey,
  type UserTokenKeyLookup,
} from './user-token.js';

const newKey = (): UserTokenKey => ({ kid: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('base64url') });
const ACME = newKey();
const ACME_PREVIOUS = newKey();
const GLOBEX = newKey();
const KEYS: Record<string, UserTokenKey[]> = { acme: [ACME, ACME_PREVIOUS], globex: [GLOBEX] };
const asked: Array<[string, string]> = [];
const keys: UserTokenKeyLookup = async (tenantId, kid) => {
  asked.push([tenantId, kid]);
  return KEYS[tenantId] ?? null;
};
const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const secretBytes = (key: UserTokenKey) => Buffer.from(key.secret, 'base64url');

/** A token signed with `key` (HS256 unless said), with the standard claims unless overridden. */
async function craft(options: { key?: UserTokenKey; kid?: string; alg?: string; claims?: Record<string, unknown> } = {}) {
  const key = options.key ?? ACME;
  const iat = Math.floor(T0 / 1000);
  const claims = { sub: 'ada', tid: 'acme', aud: 'notify-inbox', iss: 'notify', iat, exp: iat + 900, ...options.claims };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', kid: options.kid ?? key.kid }).sign(secretBytes(key));
}

async function refusal(token: string, now = T0 + 1_000): Promise<{ reason: UserTokenFailure; message: string }> {
  try {
    await verifyUserToken(token, { keys, now });
  } catch (err) {
    expect(err).toBeInstanceOf(UserTokenError);
    expect(err).toBeInstanceOf(HttpError);
    const e = err as UserTokenError;
    expect([e.status, e.code]).toEqual([401, 'UNAUTHENTICATED']);
    return { reason: e.reason, message: e.message };
  }
  throw new Error('the token was accepted');
}

describe('user tokens', () => {
  it('round-trips: the user and tenant it was issued for, with the documented claims and header', async () => {
    const { token, expiresAt } = await issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME, ttlSeconds: 600, now: T0 + 400 });
    expect(expiresAt.toISOString()).toBe('2025-06-01T12:10:00.000Z');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: ACME.kid });
    expect(decodeJwt(token)).toEqual({ sub: 'ada', tid: 'acme', aud: 'notify-inbox', iss: 'notify', iat: T0 / 1000, exp: T0 / 1000 + 600 });
    asked.length = 0;
    expect(await verifyUserToken(token, { keys, now: T0 + 599_000 })).toEqual({ tenantId: 'acme', userId: 'ada', expiresAt });
    expect(asked).toEqual([['acme', ACME.kid]]);
    expect(isUserTokenShaped(token)).toBe(true);
    expect(isUserTokenShaped(`nk_0123456789abcdef_${'x'.repeat(43)}`)).toBe(false);
  });

  it('lasts 15 minutes by default and refuses lifetimes outside 60 s to 24 h', async () => {
    const { expiresAt } = await issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME, now: T0 });
    expect(expiresAt.getTime() - T0).toBe(USER_TOKEN_TTL_SECONDS.default * 1000);
    for (const ttlSeconds of [59, 86_401, 1.5])
      await expect(issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME, ttlSeconds })).rejects.toThrow(RangeError);
  });

  it('verifies a token signed with the tenant’s previous key (after a rotation)', async () => {
    const { token } = await issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME_PREVIOUS, now: T0 });
    expect(await verifyUserToken(token, { keys, now: T0 })).toMatchObject({ tenantId: 'acme', userId: 'ada' });
  });

  it('refuses an expired token', async () => {
    const { token } = await issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME, ttlSeconds: 60, now: T0 });
    expect(await refusal(token, T0 + 60_000 + 6_000)).toEqual({ reason: 'expired', message: 'token expired' });
    // Within the 5 s clock tolerance it is still good.
    expect(await verifyUserToken(token, { keys, now: T0 + 60_000 + 4_000 })).toMatchObject({ userId: 'ada' });
  });

  it('refuses a bad signature: tampered claims, another secret under the right kid, another tenant’s secret', async () => {
    const { token } = await issueUserToken({ tenantId: 'acme', userId: 'ada', key: ACME, now: T0 });
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64({ ...decodeJwt(token), sub: 'grace' })}.${signature}`;
    expect(await refusal(tampered)).toEqual({ reason: 'signature', message: 'token signature invalid' });
    expect((await refusal(await craft({ key: newKey(), kid: ACME.kid }))).reason).toBe('signature');
    // Signed with acme's secret, claiming globex and naming globex's key.
    expect((await refusal(await craft({ key: ACME, kid: GLOBEX.kid, claims: { tid: 'globex' } }))).reason).toBe('signature');
    // Signature dropped.
    expect((await refusal(`${header}.${token.split('.')[1]}.`)).reason).toBe('signature');
  });

  it('refuses a token of another tenant relabelled for this one (its key is not this tenant’s)', async () => {
    const { token } = await issueUserToken({ tenantId: 'globex', userId: 'ada', key: GLOBEX, now: T0 });
    const [header, , signature] = token.split('.');
    const relabelled = `${header}.${b64({ ...decodeJwt(token), tid: 'acme' })}.${signature}`;
    expect(await refusal(relabelled)).toEqual({ reason: 'unknown-key', message: "token signing key unknown (not one of the tenant's current keys)" });
  });

  it('refuses every algorithm but HS256: none, HS512, RS256', async () => {
    const iat = Math.floor(T0 / 1000);
    const claims = { sub: 'ada', tid: 'acme', aud: 'notify-inbox', iss: 'notify', iat, exp: iat + 900 };
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: ACME.kid })}.${b64(claims)}.`;
    expect(await refusal(none)).toEqual({ reason: 'algorithm', message: 'token algorithm not accepted: none (only HS256)' });
    const noAlg = `${b64({ typ: 'JWT', kid: ACME.kid })}.${b64(claims)}.`;
    expect(await refusal(noAlg)).toEqual({ reason: 'algorithm', message: 'token algorithm not accepted: none given (only HS256)' });
    expect(await refusal(await craft({ alg: 'HS512' }))).toEqual({ reason: 'algorithm', message: 'token algorithm not accepted: HS512 (only HS256)' });
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: ACME.kid }).sign(privateKey);
    expect((await refusal(rs256)).message).toBe('token algorithm not accepted: RS256 (only HS256)');
    asked.length = 0;
    await refusal(none);
    expect(asked).toEqual([]); // refused before any key is looked up
  });

  it('refuses a wrong audience or issuer', async () => {
    expect(await refusal(await craft({ claims: { aud: 'someone-else' } }))).toEqual({ reason: 'audience', message: 'token audience invalid (expected notify-inbox)' });
    expect((await refusal(await craft({ claims: { aud: undefined } }))).reason).toBe('audience');
    expect(await refusal(await craft({ claims: { iss: 'evil' } }))).toEqual({ reason: 'issuer', message: 'token issuer invalid (expected notify)' });
  });

  it('refuses an unknown tenant', async () => {
    const token = await craft({ claims: { tid: 'initech' } });
    expect(await refusal(token)).toEqual({ reason: 'unknown-tenant', message: 'token tenant unknown' });
  });

  it('refuses missing or bad claims: no exp, no sub, issued in the future', async () => {
    expect((await refusal(await craft({ claims: { exp: undefined } }))).message).toMatch(/^token claims invalid: .*"exp"/);
    expect((await refusal(await craft({ claims: { sub: undefined } }))).message).toMatch(/^token claims invalid: .*"sub"/);
    expect((await refusal(await craft({ claims: { sub: '' } }))).reason).toBe('claims');
    const future = Math.floor(T0 / 1000) + 3_600;
    expect(await refusal(await craft({ claims: { iat: future, exp: future + 900 } }))).toEqual({ reason: 'claims', message: 'token claims invalid: issued in the future (iat)' });
  });

  it('refuses malformed tokens', async () => {
    const noKid = await new SignJWT({ sub: 'ada', tid: 'acme' }).setProtectedHeader({ alg: 'HS256' }).sign(secretBytes(ACME));
    const noTenant = await craft({ claims: { tid: undefined } });
    for (const [token, message] of [
      ['', 'token malformed: not a JSON Web Token'],
      ['abc', 'token malformed: not a JSON Web Token'],
      ['a.b.c', 'token malformed: not a JSON Web Token'],
      [`${b64({ alg: 'HS256', kid: 'k' })}.not-json.sig`, 'token malformed: not a JSON Web Token'],
      [noKid, 'token malformed: no key id (kid) in its header'],
      [noTenant, 'token malformed: no tenant (tid) claim'],
    ] as const) {
      expect(await refusal(token)).toEqual({ reason: 'malformed', message });
    }
  });

  it('lets a failing key lookup (a store down) through as it is', async () => {
    const token = await craft();
    const down = new Error('mongo down');
    await expect(verifyUserToken(token, { keys: async () => Promise.reject(down), now: T0 })).rejects.toBe(down);
  });
});
