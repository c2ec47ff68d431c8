import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_PORTS, emulatorPortsFromEnv, startAllEmulators } from './start-all.js';

describe('emulatorPortsFromEnv', () => {
  it('defaults to 18101..18106 and reads overrides', () => {
    expect(emulatorPortsFromEnv({})).toEqual(DEFAULT_EMULATOR_PORTS);
    expect(emulatorPortsFromEnv({ EMULATOR_TWILIO_PORT: '0' }).twilio).toBe(0);
  });

  it('names every bad variable', () => {
    expect(() => emulatorPortsFromEnv({ EMULATOR_SENDGRID_PORT: 'x', EMULATOR_SMTP_PORT: '70000' })).toThrow(
      /EMULATOR_SENDGRID_PORT=x[\s\S]*EMULATOR_SMTP_PORT=70000/,
    );
  });
});

describe('startAllEmulators', () => {
  it('starts every emulator with HTTP control and stops them', async () => {
    const all = await startAllEmulators({
      sendgrid: 0,
      twilio: 0,
      fcm: 0,
      webhook: 0,
      smtp: 0,
      smtpControl: 0,
      apns: 0,
      apnsControl: 0,
    });
    try {
      for (const url of [
        all.sendgrid.url,
        all.twilio.url,
        all.fcm.url,
        all.webhook.url,
        all.smtp.controlUrl,
        all.apns.controlUrl,
      ]) {
        const res = await fetch(`${url}/__control`);
        expect(res.status).toBe(200);
      }
    } finally {
      await all.stop();
    }
  });
});
