import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names of the pipeline's webhook signature scheme. */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-notify-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-notify-signature';
/** Signatures older (or further in the future) than this are refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300; // 5 min

/**
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, timestamp in epoch seconds. This mirrors the
 * sender's signer so the receiver checks it independently.
 */
export function webhookSignature(secret: string, timestamp: string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Verifies a delivery: the timestamp is within the tolerance and one of the comma-separated `v1=`
 * signatures matches (several appear while a secret is being rotated).
 */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string | Buffer;
  nowMs?: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${WEBHOOK_TIMESTAMP_HEADER}` };
  if (!signature) return { ok: false, reason: `missing ${WEBHOOK_SIGNATURE_HEADER}` };
  const ts = Number(timestamp);
  const ageSeconds = Math.abs((input.nowMs ?? Date.now()) / 1000 - ts);
  if (ageSeconds > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))
    return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.body), 'utf8');
  const matches = signature
    .split(',')
    .map((s) => Buffer.from(s.trim(), 'utf8'))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  return matches ? { ok: true, timestamp: ts } : { ok: false, reason: 'signature mismatch' };
}
