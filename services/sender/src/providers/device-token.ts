import { ProviderError } from '@notify/runtime';

/**
 * A provider's refusal of the device token itself (the app was uninstalled, the token belongs to another
 * app, or it was never a token): the adapter says so in its error's details, and the sender forgets the
 * token so that later notifications do not try it again.
 */
export interface DeviceTokenRefusal {
  invalidToken: true;
}

export const INVALID_TOKEN_DETAILS: DeviceTokenRefusal = { invalidToken: true };

export function isDeviceTokenRefusal(err: unknown): boolean {
  return err instanceof ProviderError && err.details.invalidToken === true;
}
