import { describe, expect, it } from 'vitest';
import { parseSocketRequest } from './socket-request.js';

const KEY = `nk_0123456789abcdef_${'k'.repeat(43)}`;
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2ln';

describe('parseSocketRequest', () => {
  it('takes the key from the Authorization header, X-API-Key or the apiKey parameter', () => {
    expect(parseSocketRequest('/v1/inapp/ws?userId=u-1', { authorization: 'Bearer k1' })).toEqual({ kind: 'ok', userId: 'u-1', credential: { kind: 'api-key', apiKey: 'k1' } });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u-1', { 'x-api-key': 'k2' })).toEqual({ kind: 'ok', userId: 'u-1', credential: { kind: 'api-key', apiKey: 'k2' } });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u%3A1&apiKey=k3', {})).toEqual({ kind: 'ok', userId: 'u:1', credential: { kind: 'api-key', apiKey: 'k3' } });
  });

  it('takes a user token from ?token= or the Authorization header (told from a key by its shape), userId optional', () => {
    expect(parseSocketRequest(`/v1/inapp/ws?token=${TOKEN}`, {})).toEqual({ kind: 'ok', userId: null, credential: { kind: 'user-token', token: TOKEN } });
    expect(parseSocketRequest('/v1/inapp/ws', { authorization: `Bearer ${TOKEN}` })).toEqual({ kind: 'ok', userId: null, credential: { kind: 'user-token', token: TOKEN } });
    expect(parseSocketRequest(`/v1/inapp/ws?token=${TOKEN}&userId=u-1`, {})).toEqual({ kind: 'ok', userId: 'u-1', credential: { kind: 'user-token', token: TOKEN } });
    // Whatever comes in ?token= is a token (a bad one is refused as malformed when verified).
    expect(parseSocketRequest('/v1/inapp/ws?token=garbage', {})).toMatchObject({ kind: 'ok', credential: { kind: 'user-token', token: 'garbage' } });
    // The headers win over the query.
    expect(parseSocketRequest(`/v1/inapp/ws?userId=u-2&token=${TOKEN}`, { authorization: `Bearer ${KEY}` })).toEqual({ kind: 'ok', userId: 'u-2', credential: { kind: 'api-key', apiKey: KEY } });
  });

  it('refuses another path with 404, a missing credential with 401 and a key without a user with 400', () => {
    expect(parseSocketRequest('/v1/other?userId=u', { authorization: 'Bearer k' })).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u', {})).toMatchObject({ kind: 'refused', status: 401 });
    expect(parseSocketRequest('/v1/inapp/ws?token=', {})).toMatchObject({ kind: 'refused', status: 401 });
    expect(parseSocketRequest('/v1/inapp/ws', { authorization: 'Bearer k' })).toMatchObject({ kind: 'refused', status: 400, message: 'userId: required' });
    expect(parseSocketRequest(`/v1/inapp/ws?token=${TOKEN}&userId=`, {})).toMatchObject({ kind: 'refused', status: 400, message: 'userId: required' });
  });
});
