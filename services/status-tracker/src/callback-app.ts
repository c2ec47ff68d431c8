import { createHttpApp, errorHandler, HttpError, methodGuard } from '@notify/http';
import { statusOutput, ValidationError, type Logger, type OutputPublisher } from '@notify/runtime';
import express, { type Express, type Request } from 'express';
import type { Registry } from 'prom-client';
import type { CallbackProvider, ProviderOutcome } from './domain/provider-outcome.js';
import { resolveOutcomes, type NotificationSubjectLookup, type UndeliverableAddress } from './domain/resolve-outcomes.js';
import { mapSendGridEvent, parseSendGridEvents } from './domain/sendgrid-events.js';
import { mapSesEvent, parseSesEvent } from './domain/ses-events.js';
import { parseSnsMessage } from './domain/sns-message.js';
import { mapTwilioStatus, parseTwilioStatus } from './domain/twilio-status.js';
import type { FirstSeenClock } from './first-seen-clock.js';
import { callbackOpenApiDocument, SENDGRID_EVENTS_PATH, SES_EVENTS_PATH, TWILIO_STATUS_PATH } from './openapi.js';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, type SendGridSignatureVerifier } from './sendgrid-signature.js';
import { SNS_MESSAGE_TYPE_HEADER, type SnsSignatureVerifier } from './sns-signature.js';
import type { TrackerMetrics } from './tracker-metrics.js';
import { TWILIO_SIGNATURE_HEADER, verifyTwilioSignature } from './twilio-signature.js';

export { SENDGRID_EVENTS_PATH, SES_EVENTS_PATH, TWILIO_STATUS_PATH } from './openapi.js';

/** Where hard bounces' and complaints' addresses are marked undeliverable (SuppressionRepository). */
export interface UndeliverableMarks {
  suppress(entries: UndeliverableAddress[]): Promise<unknown>;
}

export interface CallbackAppOptions {
  logger: Logger;
  registry: Registry;
  metrics: TrackerMetrics;
  lookup: NotificationSubjectLookup;
  publisher: Pick<OutputPublisher, 'publish'>;
  suppressions: UndeliverableMarks;
  /** Enabled when set. */
  sendgrid?: { verifier: SendGridSignatureVerifier };
  /** Enabled when set: SES events through SNS, from `topicArns` only. */
  ses?: { verifier: SnsSignatureVerifier; topicArns: readonly string[] };
  /** Enabled when set. `publicBaseUrl`: the origin (and path prefix) Twilio posts to. */
  twilio?: { authToken: string; publicBaseUrl: string; clock: FirstSeenClock };
  /** Body limit of a callback, e.g. '5mb' (SendGrid batches events). */
  bodyLimit: string;
  now?: () => number;
}

export interface CallbackSummary {
  published: number;
  /** Events that change no status (processed, queued, sent...). */
  ignored: number;
  /** Events for messages no notification is known for; logged. */
  unmatched: number;
}

/**
 * The provider callback endpoints. Each verifies the provider's signature first (401 when missing,
 * 403 when wrong), then the body (400 naming the fields), then marks the addresses of hard bounces and
 * complaints undeliverable, publishes one status event per status-changing event to notify.status.v1
 * and answers 202. A message that matches no notification is logged and acknowledged: an error would
 * only make the provider retry it forever. SNS signs inside the body, so there the body is read first
 * (400 when it is not an SNS message) and a wrong signature, topic or certificate host is a 403.
 */
export function createCallbackApp(options: CallbackAppOptions): Express {
  const { logger, metrics } = options;
  const now = options.now ?? Date.now;
  const { app, finish } = createHttpApp({ service: 'status-tracker', logger, registry: options.registry, bodyLimit: options.bodyLimit });

  async function record(provider: CallbackProvider, received: number, outcomes: ProviderOutcome[]): Promise<CallbackSummary> {
    const { events, undeliverable, unmatched } = await resolveOutcomes(outcomes, options.lookup);
    for (const u of unmatched) {
      logger.warn(
        { provider, providerMessageId: u.providerMessageId, notificationId: u.notificationId, status: u.status },
        'callback for a message no notification is known for; acknowledged and dropped',
      );
    }
    // Both writes before the 2xx (a provider that has one does not post again); both are idempotent for its retries.
    if (undeliverable.length > 0) await options.suppressions.suppress(undeliverable);
    await options.publisher.publish(events.map(statusOutput));
    const summary = { published: events.length, ignored: received - outcomes.length, unmatched: unmatched.length };
    for (const [outcome, n] of Object.entries(summary)) if (n > 0) metrics.callbacks.inc({ provider, outcome }, n);
    return summary;
  }

  const rejected = (provider: CallbackProvider, status: 401 | 403, message: string): HttpError => {
    metrics.callbacks.inc({ provider, outcome: 'rejected' });
    return status === 401 ? new HttpError(401, 'UNAUTHENTICATED', message) : new HttpError(403, 'FORBIDDEN', message);
  };

  const sendgrid = options.sendgrid;
  if (sendgrid) {
    app.post(SENDGRID_EVENTS_PATH, async (req, res) => {
      const signature = req.header(SENDGRID_SIGNATURE_HEADER);
      const timestamp = req.header(SENDGRID_TIMESTAMP_HEADER);
      if (!signature || !timestamp) throw rejected('sendgrid', 401, `missing ${SENDGRID_SIGNATURE_HEADER} or ${SENDGRID_TIMESTAMP_HEADER}`);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!sendgrid.verifier.verify(raw, signature, timestamp)) throw rejected('sendgrid', 403, 'event webhook signature does not match');
      const events = parseSendGridEvents(parseJson(raw));
      const outcomes = events.map(mapSendGridEvent).filter((o): o is ProviderOutcome => o !== null);
      res.status(202).json(await record('sendgrid', events.length, outcomes));
    });
  }

  const twilio = options.twilio;
  if (twilio) {
    const base = twilio.publicBaseUrl.replace(/\/+$/, '');
    app.post(TWILIO_STATUS_PATH, express.urlencoded({ extended: false, limit: options.bodyLimit }), async (req, res) => {
      const signature = req.header(TWILIO_SIGNATURE_HEADER);
      if (!signature) throw rejected('twilio', 401, `missing ${TWILIO_SIGNATURE_HEADER}`);
      const params = formFields(req);
      if (!verifyTwilioSignature(twilio.authToken, signature, `${base}${req.originalUrl}`, params)) {
        throw rejected('twilio', 403, `${TWILIO_SIGNATURE_HEADER} does not match`);
      }
      const callback = parseTwilioStatus(params);
      const mapped = mapTwilioStatus(callback, now());
      const outcomes = mapped
        ? [{ ...mapped, occurredAt: await twilio.clock.occurredAt(`twilio:${callback.MessageSid}:${mapped.status}`, mapped.occurredAt) }]
        : [];
      res.status(202).json(await record('twilio', 1, outcomes));
    });
  }

  const ses = options.ses;
  if (ses) {
    const topics = new Set(ses.topicArns);
    app.post(SES_EVENTS_PATH, async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const message = parseSnsMessage(parseJson(raw), req.header(SNS_MESSAGE_TYPE_HEADER));
      if (!topics.has(message.TopicArn)) throw rejected('ses', 403, `topic ${message.TopicArn} is not one SES events are taken from`);
      if (!(await ses.verifier.verify(message))) throw rejected('ses', 403, 'SNS signature does not match, or its certificate is not on an SNS host');
      switch (message.Type) {
        case 'SubscriptionConfirmation': {
          if (!(await ses.verifier.confirmSubscription(message.SubscribeURL as string))) throw rejected('ses', 403, 'SubscribeURL is not on an SNS host');
          logger.info({ topicArn: message.TopicArn }, 'SNS subscription confirmed');
          res.status(200).json({ confirmed: true, topicArn: message.TopicArn });
          return;
        }
        case 'UnsubscribeConfirmation':
          logger.warn({ topicArn: message.TopicArn }, 'SNS subscription ended; SES events stop until it is subscribed again');
          res.status(202).json(await record('ses', 1, []));
          return;
        case 'Notification': {
          const outcome = mapSesEvent(parseSesEvent(message.Message), Date.parse(message.Timestamp));
          res.status(202).json(await record('ses', 1, outcome ? [outcome] : []));
        }
      }
    });
  }

  finish();

  // createHttpApp parses JSON before any route, and SendGrid signs the exact bytes it sent: those are
  // read here first, so the JSON parser behind finds the body consumed and leaves it as a Buffer. SNS
  // posts its JSON as text/plain, which that parser would leave unread.
  const document = callbackOpenApiDocument({ sendgrid: Boolean(sendgrid), twilio: Boolean(twilio), ses: Boolean(ses) });
  const front = express();
  front.disable('x-powered-by');
  front.use(methodGuard(document.paths as Record<string, Record<string, unknown>>));
  front.get('/v1/openapi.json', (_req, res) => void res.json(document));
  if (sendgrid) front.post(SENDGRID_EVENTS_PATH, express.raw({ type: () => true, limit: options.bodyLimit }));
  if (ses) front.post(SES_EVENTS_PATH, express.raw({ type: () => true, limit: options.bodyLimit }));
  front.use(app);
  front.use(errorHandler(logger));
  return front;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError([{ path: '', message: 'body is not valid JSON' }]);
  }
}

function formFields(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}
