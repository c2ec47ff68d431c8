import { CircuitBreaker, ControlsStore } from '@notify/controls';
import type { Redis } from 'ioredis';

/**
 * Switches email through SendGrid on and closes its circuit: runtime controls and circuits are shared
 * through Redis, and what an earlier run left there must not hold a test's emails.
 */
export async function enableEmailViaSendgrid(redis: Redis): Promise<void> {
  await new ControlsStore(redis).apply({ providers: { sendgrid: { enabled: true, rolloutPercent: 100 } }, channels: { EMAIL: { enabled: true } } });
  await new CircuitBreaker(redis).reset('sendgrid');
}
