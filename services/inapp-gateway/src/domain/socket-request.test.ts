import { describe, expect, it } from 'vitest';
import { parseSocketRequest } from './socket-request.js';

describe('parseSocketRequest', () => {
  it('takes the key from the Authorization header, X-API-Key or the apiKey parameter', () => {
    expect(parseSocketRequest('/v1/inapp/ws?userId=u-1', { authorization: 'Bearer k1' })).toEqual({ kind: 'ok', userId: 'u-1', apiKey: 'k1' });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u-1', { 'x-api-key': 'k2' })).toEqual({ kind: 'ok', userId: 'u-1', apiKey: 'k2' });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u%3A1&apiKey=k3', {})).toEqual({ kind: 'ok', userId: 'u:1', apiKey: 'k3' });
  });

  it('refuses another path with 404, a missing key with 401 and a missing user with 400', () => {
    expect(parseSocketRequest('/v1/other?userId=u', { authorization: 'Bearer k' })).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseSocketRequest('/v1/inapp/ws?userId=u', {})).toMatchObject({ kind: 'refused', status: 401 });
    expect(parseSocketRequest('/v1/inapp/ws', { authorization: 'Bearer k' })).toMatchObject({ kind: 'refused', status: 400, message: 'userId: required' });
  });
});
