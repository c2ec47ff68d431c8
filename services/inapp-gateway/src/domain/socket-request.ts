import { isUserTokenShaped, ValidationError } from '@notify/core';
import { parseUserId } from './inbox-query.js';

export const SOCKET_PATH = '/v1/inapp/ws';

/** What a caller presents: a tenant API key (server to server) or an end user's token (browsers, apps). */
export type Credential = { kind: 'api-key'; apiKey: string } | { kind: 'user-token'; token: string };

export type SocketRequest =
  /** `userId` is null when a user token names the user (an API key always needs `?userId=`). */
  | { kind: 'ok'; credential: Credential; userId: string | null }
  | { kind: 'refused'; status: 400 | 401 | 404; code: string; message: string };

/** A presented secret, told apart by shape (see isUserTokenShaped). */
export function credentialOf(value: string): Credential {
  return isUserTokenShaped(value) ? { kind: 'user-token', token: value } : { kind: 'api-key', apiKey: value };
}

const bearer = (authorization: string | undefined): string | undefined =>
  authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : undefined;

/** The credential of an HTTP request: `Authorization: Bearer <API key or user token>` or `X-API-Key`. */
export function headerCredential(headers: { authorization?: string; 'x-api-key'?: string | string[] }): Credential | null {
  const headerKey = Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'];
  const value = bearer(headers.authorization) || headerKey;
  return value ? credentialOf(value) : null;
}

/**
 * What a WebSocket upgrade asks for. Browsers cannot set headers on a WebSocket, so besides the headers
 * (`Authorization: Bearer <API key or user token>`, `X-API-Key`) the credential may come in the query:
 * `?token=<user token>` (the user comes from the token) or `?apiKey=<key>` (with `?userId=<id>`). The
 * headers win over the query. The credential itself is verified by the caller, which also refuses a
 * `userId` that is not the token's user.
 */
export function parseSocketRequest(rawUrl: string, headers: { authorization?: string; 'x-api-key'?: string | string[] }): SocketRequest {
  const url = new URL(rawUrl, 'http://gateway.invalid');
  if (url.pathname !== SOCKET_PATH) return { kind: 'refused', status: 404, code: 'NOT_FOUND', message: 'no such route' };
  const token = url.searchParams.get('token');
  const apiKey = url.searchParams.get('apiKey');
  const credential =
    headerCredential(headers) ?? (token ? { kind: 'user-token' as const, token } : apiKey ? credentialOf(apiKey) : null);
  if (!credential)
    return {
      kind: 'refused',
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'missing credentials (?token=<user token>, or an API key as Authorization: Bearer <key> or ?apiKey=)',
    };
  const userId = url.searchParams.get('userId');
  if (userId === null && credential.kind === 'user-token') return { kind: 'ok', credential, userId: null };
  try {
    return { kind: 'ok', credential, userId: parseUserId(userId ?? undefined) };
  } catch (err) {
    const issue = (err as ValidationError).issues[0];
    return { kind: 'refused', status: 400, code: 'VALIDATION', message: `userId: ${issue?.message ?? 'invalid'}` };
  }
}
