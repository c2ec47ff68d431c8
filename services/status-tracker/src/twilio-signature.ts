// The SDK's webhook module alone: the whole SDK would cost the tracker some 15 MiB of memory for one function.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * Verifies X-Twilio-Signature (HMAC-SHA1 of the public URL Twilio posted to plus the sorted form
 * fields, keyed by the auth token) with the SDK. `publicUrl` must be the URL as Twilio knows it, not
 * as the service sees it behind a proxy.
 */
export function verifyTwilioSignature(authToken: string, signature: string, publicUrl: string, params: Record<string, unknown>): boolean {
  return validateRequest(authToken, signature, publicUrl, params);
}
