import type { PushPlatform } from './generated/types.js';

/** A push device's platform as the API, the recipient store and the routing config spell it. */
export const DEVICE_PLATFORMS = ['ios', 'android', 'web'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

const TO_PUSH_PLATFORM: Readonly<Record<DevicePlatform, PushPlatform>> = {
  ios: 'IOS',
  android: 'ANDROID',
  web: 'WEB',
};
const TO_DEVICE_PLATFORM: Readonly<Record<PushPlatform, DevicePlatform>> = {
  IOS: 'ios',
  ANDROID: 'android',
  WEB: 'web',
};

/** The Avro symbol of a platform. */
export function toPushPlatform(platform: DevicePlatform): PushPlatform {
  return TO_PUSH_PLATFORM[platform];
}

/** The platform an Avro symbol stands for. */
export function toDevicePlatform(platform: PushPlatform): DevicePlatform {
  return TO_DEVICE_PLATFORM[platform];
}
