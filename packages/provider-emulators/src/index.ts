export {
  EmulatorControl,
  ControlPatchError,
  MAX_LATENCY_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  type CallPlan,
  type ControlPatch,
  type ControlState,
  type EmulatorControlOptions,
  type InjectedFailure,
} from './control.js';
export type { CallRecord, EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
export {
  startSendGridEmulator,
  DEFAULT_SENDGRID_API_KEY,
  SENDGRID_MAX_BODY_BYTES,
  type SendGridEmulatorOptions,
  type SendGridReceived,
} from './sendgrid-emulator.js';
export { validateMailSend, type SendGridError } from './sendgrid-validation.js';
export {
  startTwilioEmulator,
  DEFAULT_TWILIO_ACCOUNT_SID,
  DEFAULT_TWILIO_AUTH_TOKEN,
  type TwilioEmulatorOptions,
  type TwilioReceived,
  type TwilioError,
} from './twilio-emulator.js';
export {
  startFcmEmulator,
  FcmControl,
  DEFAULT_FCM_PROJECT_ID,
  DEFAULT_FCM_ACCESS_TOKEN,
  type FcmEmulatorOptions,
  type FcmMessage,
  type FcmReceived,
} from './fcm-emulator.js';
export {
  startApnsEmulator,
  fakeApnsToken,
  ApnsControl,
  APNS_MAX_PAYLOAD_BYTES,
  APNS_PROVIDER_TOKEN_MAX_AGE_MS,
  DEFAULT_APNS_KEY_ID,
  DEFAULT_APNS_TEAM_ID,
  DEFAULT_APNS_TOPIC,
  type ApnsEmulatorCredentials,
  type ApnsEmulatorHandle,
  type ApnsEmulatorOptions,
  type ApnsReceived,
} from './apns-emulator.js';
export {
  startWebhookReceiver,
  DEFAULT_WEBHOOK_SECRET,
  type WebhookReceiverOptions,
  type WebhookReceived,
} from './webhook-receiver.js';
export {
  webhookSignature,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  type SignatureCheck,
} from './webhook-signature.js';
export {
  startSmtpServer,
  type SmtpServerOptions,
  type SmtpServerHandle,
  type SmtpReceived,
} from './smtp-server.js';
export {
  startMotoServer,
  type MotoServerOptions,
  type MotoServerHandle,
  type MotoSentEmail,
  type MotoSentSms,
  type MotoRequest,
} from './moto-server.js';
export { fakeFcmToken } from './ids.js';
export {
  startAllEmulators,
  emulatorPortsFromEnv,
  DEFAULT_EMULATOR_PORTS,
  type EmulatorSet,
  type EmulatorPorts,
} from './start-all.js';
