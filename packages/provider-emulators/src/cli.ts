#!/usr/bin/env node
/**
 * Starts every provider emulator on the ports named by EMULATOR_*_PORT (defaults 18101..18109) and
 * EMULATOR_HOST (default 127.0.0.1), prints where each listens, and stops on SIGINT/SIGTERM.
 */
import { emulatorPortsFromEnv, startAllEmulators } from './start-all.js';

async function main(): Promise<void> {
  const ports = emulatorPortsFromEnv();
  const host = process.env.EMULATOR_HOST || '127.0.0.1';
  const emulators = await startAllEmulators(ports, host);
  const listening = {
    sendgrid: emulators.sendgrid.url,
    twilio: emulators.twilio.url,
    fcm: emulators.fcm.url,
    webhook: emulators.webhook.url,
    smtp: emulators.smtp.url,
    smtpControl: emulators.smtp.controlUrl,
    apns: emulators.apns.url,
    apnsControl: emulators.apns.controlUrl,
  };
  process.stdout.write(`${JSON.stringify({ msg: 'provider emulators listening', ...listening })}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulators.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
