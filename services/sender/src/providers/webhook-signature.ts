import { createHmac } from 'node:crypto';

export const WEBHOOK_TIMESTAMP_HEADER = 'x-notify-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-notify-signature';

/**
 * The signature receivers check: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, the timestamp in
 * epoch seconds as sent in x-notify-timestamp. Receivers should refuse timestamps older than 5 minutes.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}
