import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { PushPlatformValues } from './generated/types.js';
import { DEVICE_PLATFORMS, toDevicePlatform, toPushPlatform } from './push-platforms.js';
import { loadSchema } from './schema-files.js';

describe('push platforms', () => {
  it('map one to one onto the Avro PushPlatform symbols', () => {
    expect(DEVICE_PLATFORMS.map(toPushPlatform)).toEqual([...PushPlatformValues]);
    for (const p of DEVICE_PLATFORMS) expect(toDevicePlatform(toPushPlatform(p))).toBe(p);
  });

  it('a recipient profile carries its devices through the enriched and filtered schemas', () => {
    const profile = {
      email: null,
      phone: null,
      deviceTokens: ['legacy'],
      devices: [{ token: 'apns-1', platform: 'IOS' }],
      webhookUrl: null,
      locale: 'en',
      timezone: 'UTC',
    };
    for (const name of ['notification-enriched', 'notification-filtered'] as const) {
      const type = avro.Type.forSchema(loadSchema(name) as avro.Schema);
      const recipientType = (type as avro.types.RecordType).field('recipient').type;
      expect(recipientType.fromBuffer(recipientType.toBuffer(profile)), name).toEqual(profile);
    }
  });
});
