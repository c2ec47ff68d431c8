import { startApnsEmulator, type ApnsEmulatorHandle } from './apns-emulator.js';
import type { EmulatorHandle } from './emulator-handle.js';
import { startFcmEmulator, type FcmControl, type FcmReceived } from './fcm-emulator.js';
import { startSendGridEmulator, type SendGridReceived } from './sendgrid-emulator.js';
import { startSmtpServer, type SmtpServerHandle } from './smtp-server.js';
import { startTwilioEmulator, type TwilioReceived } from './twilio-emulator.js';
import { startWebhookReceiver, type WebhookReceived } from './webhook-receiver.js';

export interface EmulatorPorts {
  sendgrid: number;
  twilio: number;
  fcm: number;
  webhook: number;
  smtp: number;
  /** HTTP control routes of the SMTP server. */
  smtpControl: number;
  /** APNs' HTTP/2 API (TLS); a free port when absent. */
  apns?: number;
  /** HTTP control routes of the APNs emulator; none when absent. */
  apnsControl?: number;
}

export const DEFAULT_EMULATOR_PORTS: EmulatorPorts = {
  sendgrid: 18101,
  twilio: 18102,
  fcm: 18103,
  webhook: 18104,
  smtp: 18105,
  smtpControl: 18106,
  apns: 18108,
  apnsControl: 18109,
};

const ENV_NAMES: Record<keyof EmulatorPorts, string> = {
  sendgrid: 'EMULATOR_SENDGRID_PORT',
  twilio: 'EMULATOR_TWILIO_PORT',
  fcm: 'EMULATOR_FCM_PORT',
  webhook: 'EMULATOR_WEBHOOK_PORT',
  smtp: 'EMULATOR_SMTP_PORT',
  smtpControl: 'EMULATOR_SMTP_CONTROL_PORT',
  apns: 'EMULATOR_APNS_PORT',
  apnsControl: 'EMULATOR_APNS_CONTROL_PORT',
};

/** Reads EMULATOR_<NAME>_PORT variables, falling back to the defaults; throws naming every bad one. */
export function emulatorPortsFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorPorts {
  const problems: string[] = [];
  const ports = { ...DEFAULT_EMULATOR_PORTS };
  for (const key of Object.keys(ENV_NAMES) as Array<keyof EmulatorPorts>) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${ENV_NAMES[key]}=${raw} is not a port`);
    else ports[key] = n;
  }
  if (problems.length) throw new Error(`invalid emulator configuration:\n  ${problems.join('\n  ')}`);
  return ports;
}

export interface EmulatorSet {
  sendgrid: EmulatorHandle<SendGridReceived>;
  twilio: EmulatorHandle<TwilioReceived>;
  fcm: EmulatorHandle<FcmReceived, FcmControl>;
  webhook: EmulatorHandle<WebhookReceived>;
  smtp: SmtpServerHandle;
  apns: ApnsEmulatorHandle;
  stop(): Promise<void>;
}

/** Starts every emulator with its default credentials; on a failure, stops the ones already started. */
export async function startAllEmulators(ports: EmulatorPorts, host = '127.0.0.1'): Promise<EmulatorSet> {
  const results = await Promise.allSettled([
    startSendGridEmulator({ port: ports.sendgrid, host }),
    startTwilioEmulator({ port: ports.twilio, host }),
    startFcmEmulator({ port: ports.fcm, host }),
    startWebhookReceiver({ port: ports.webhook, host }),
    startSmtpServer({ port: ports.smtp, host, controlPort: ports.smtpControl }),
    startApnsEmulator({ port: ports.apns ?? 0, host, controlPort: ports.apnsControl }),
  ] as const);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  const [sendgrid, twilio, fcm, webhook, smtp, apns] = results.map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as [
    EmulatorSet['sendgrid'],
    EmulatorSet['twilio'],
    EmulatorSet['fcm'],
    EmulatorSet['webhook'],
    EmulatorSet['smtp'],
    EmulatorSet['apns'],
  ];
  return {
    sendgrid,
    twilio,
    fcm,
    webhook,
    smtp,
    apns,
    stop: async () => {
      await Promise.all([
        sendgrid.stop(),
        twilio.stop(),
        fcm.stop(),
        webhook.stop(),
        smtp.stop(),
        apns.stop(),
      ]);
    },
  };
}
