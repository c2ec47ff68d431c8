import { ValidationError } from '@notify/runtime';
import { parseUserId } from './inbox-query.js';

export const SOCKET_PATH = '/v1/inapp/ws';

export type SocketRequest =
  | { kind: 'ok'; userId: string; apiKey: string }
  | { kind: 'refused'; status: 400 | 401 | 404; code: string; message: string };

/**
 * What a WebSocket upgrade asks for: `GET /v1/inapp/ws?userId=<id>` with the API key in
 * `Authorization: Bearer`, `X-API-Key` or (for browsers, which cannot set headers on a WebSocket) the
 * `apiKey` query parameter. The key is verified by the caller.
 */
export function parseSocketRequest(rawUrl: string, headers: { authorization?: string; 'x-api-key'?: string | string[] }): SocketRequest {
  const url = new URL(rawUrl, 'http://gateway.invalid');
  if (url.pathname !== SOCKET_PATH) return { kind: 'refused', status: 404, code: 'NOT_FOUND', message: 'no such route' };
  const auth = headers.authorization;
  const headerKey = Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'];
  const apiKey = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : (headerKey ?? url.searchParams.get('apiKey') ?? '');
  if (!apiKey) return { kind: 'refused', status: 401, code: 'UNAUTHENTICATED', message: 'missing API key (Authorization: Bearer <key> or ?apiKey=)' };
  try {
    return { kind: 'ok', userId: parseUserId(url.searchParams.get('userId') ?? undefined), apiKey };
  } catch (err) {
    const issue = (err as ValidationError).issues[0];
    return { kind: 'refused', status: 400, code: 'VALIDATION', message: `userId: ${issue?.message ?? 'invalid'}` };
  }
}
