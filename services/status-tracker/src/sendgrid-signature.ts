import { ConfigError } from '@notify/runtime';
import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';

export const SENDGRID_SIGNATURE_HEADER = EventWebhookHeader.SIGNATURE();
export const SENDGRID_TIMESTAMP_HEADER = EventWebhookHeader.TIMESTAMP();

/**
 * Verifies SendGrid's signed Event Webhook: an ECDSA (P-256, SHA-256) signature over the timestamp
 * header followed by the raw body, checked with the verification key from SendGrid's mail settings.
 */
export class SendGridSignatureVerifier {
  private readonly webhook = new EventWebhook();
  private readonly key: ReturnType<EventWebhook['convertPublicKeyToECDSA']>;

  /** `publicKey`: base64 DER as SendGrid shows it, or PEM. */
  constructor(publicKey: string) {
    try {
      this.key = this.webhook.convertPublicKeyToECDSA(publicKey.trim());
    } catch (err) {
      throw new ConfigError([`SENDGRID_WEBHOOK_PUBLIC_KEY: not an EC public key (${(err as Error).message})`]);
    }
  }

  verify(rawBody: Buffer, signature: string, timestamp: string): boolean {
    try {
      return this.webhook.verifySignature(this.key, rawBody, signature, timestamp);
    } catch {
      return false; // not a DER signature at all
    }
  }
}
