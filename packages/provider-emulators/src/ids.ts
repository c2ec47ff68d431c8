import { randomBytes } from 'node:crypto';

/** SendGrid's X-Message-Id: 22 URL-safe base64 characters. */
export function sendGridMessageId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** A Twilio resource sid: two-letter prefix + 32 lowercase hex digits. */
export function twilioSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** FCM's message id: a decimal-looking id like "0:1700000000000000%31bd1c9631bd1c96". */
export function fcmMessageId(): string {
  return `0:${Date.now()}${randomBytes(3).readUIntBE(0, 3) % 1000}%${randomBytes(8).toString('hex')}`;
}

/**
 * A string shaped like an FCM registration token (instance id, colon, APA91b payload), for tests that
 * need a token the emulator accepts.
 */
export function fakeFcmToken(): string {
  return `${randomBytes(16).toString('base64url').slice(0, 22)}:APA91b${randomBytes(105).toString('base64url')}`;
}
