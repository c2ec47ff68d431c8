import { parseBasicAuth, secretsEqual } from './basic-auth.js';
import type { InjectedFailure } from './control.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
import { startHttpEmulator, type ApiReply } from './http-emulator.js';
import { twilioSid } from './ids.js';
import { header, withoutAuth } from './request-headers.js';

export const DEFAULT_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const DEFAULT_TWILIO_AUTH_TOKEN = 'emulator-auth-token';
const MAX_BODY_CHARS = 1600;
const MAX_FORM_BYTES = 64 * 1024; // 64 KiB

export interface TwilioEmulatorOptions extends EmulatorOptions {
  accountSid?: string;
  authToken?: string;
}

/** One accepted Messages create call. */
export interface TwilioReceived {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  /** Every form parameter as sent. */
  params: Record<string, string>;
  headers: Record<string, string>;
  receivedAt: number;
}

/** Twilio's REST error body. */
export interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const SHORT_CODE = /^\d{3,8}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/;

function twilioError(status: number, code: number, message: string): ApiReply {
  const body: TwilioError = {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
  return { status, body };
}

/** Emulates Twilio's Programmable Messaging create call (`POST /2010-04-01/Accounts/{sid}/Messages.json`). */
export function startTwilioEmulator(
  options: TwilioEmulatorOptions = {},
): Promise<EmulatorHandle<TwilioReceived>> {
  const accountSid = options.accountSid ?? DEFAULT_TWILIO_ACCOUNT_SID;
  const authToken = options.authToken ?? DEFAULT_TWILIO_AUTH_TOKEN;

  return startHttpEmulator<TwilioReceived>({
    options,
    maxBodyBytes: MAX_FORM_BYTES,
    matches: (method, path) => method === 'POST' && MESSAGES_PATH.test(path),
    notFoundReply: (method, path) =>
      MESSAGES_PATH.test(path)
        ? twilioError(405, 20004, `Method ${method} not allowed`)
        : twilioError(404, 20404, `The requested resource ${path} was not found`),
    tooLargeReply: () => twilioError(413, 20413, 'Request entity too large'),
    failureReply: twilioFailure,
    handle(req) {
      const credentials = parseBasicAuth(header(req.headers, 'authorization'));
      const pathSid = MESSAGES_PATH.exec(req.path)?.[1] ?? '';
      if (
        !credentials ||
        !secretsEqual(credentials.user, accountSid) ||
        !secretsEqual(credentials.pass, authToken) ||
        pathSid !== accountSid
      ) {
        return { reply: twilioError(401, 20003, 'Authenticate') };
      }

      const form = new URLSearchParams(req.raw.toString('utf8'));
      const params = Object.fromEntries(form.entries());
      const to = form.get('To');
      const from = form.get('From');
      const serviceSid = form.get('MessagingServiceSid');
      const body = form.get('Body');

      if (!to) return { reply: twilioError(400, 21604, "A 'To' phone number is required.") };
      if (!E164.test(to))
        return { reply: twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`) };
      if (!from && !serviceSid)
        return { reply: twilioError(400, 21603, "A 'From' phone number is required.") };
      if (from && !(E164.test(from) || SHORT_CODE.test(from) || ALPHANUMERIC_SENDER.test(from))) {
        return {
          reply: twilioError(
            400,
            21212,
            `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
          ),
        };
      }
      if (serviceSid && !MESSAGING_SERVICE_SID.test(serviceSid)) {
        return { reply: twilioError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`) };
      }
      if (!body && !form.get('MediaUrl') && !form.get('ContentSid')) {
        return { reply: twilioError(400, 21602, 'Message body is required.') };
      }
      if ((body ?? '').length > MAX_BODY_CHARS) {
        return {
          reply: twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.'),
        };
      }

      const sid = twilioSid('SM');
      const now = rfc2822(new Date());
      const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;
      return {
        reply: {
          status: 201,
          body: {
            account_sid: accountSid,
            api_version: '2010-04-01',
            body: body ?? '',
            date_created: now,
            date_sent: null,
            date_updated: now,
            direction: 'outbound-api',
            error_code: null,
            error_message: null,
            from: from ?? null,
            messaging_service_sid: serviceSid ?? null,
            num_media: form.get('MediaUrl') ? '1' : '0',
            num_segments: String(segments(body ?? '')),
            price: null,
            price_unit: 'USD',
            sid,
            status: from ? 'queued' : 'accepted',
            subresource_uris: { media: `${uri}/Media.json` },
            to,
            uri: `${uri}.json`,
          },
        },
        record: {
          sid,
          accountSid,
          to,
          from: from ?? null,
          messagingServiceSid: serviceSid ?? null,
          body: body ?? '',
          params,
          headers: withoutAuth(req.headers),
          receivedAt: Date.now(),
        },
      };
    },
  });
}

function twilioFailure(failure: InjectedFailure): ApiReply {
  const reply =
    failure.status === 429
      ? twilioError(429, 20429, 'Too Many Requests')
      : failure.status === 503
        ? twilioError(503, 20503, 'Service Unavailable')
        : failure.status >= 500
          ? twilioError(failure.status, 20500, 'An internal server error has occurred')
          : twilioError(failure.status, 20000 + failure.status, 'Request rejected');
  if (failure.retryAfterSeconds !== undefined)
    reply.headers = { 'retry-after': String(failure.retryAfterSeconds) };
  return reply;
}

/** Twilio's date format: "Thu, 24 Aug 2023 05:01:45 +0000". */
function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

/** How many SMS segments a body takes: GSM-7 fits 160 (153 when split), UCS-2 70 (67). */
function segments(body: string): number {
  // eslint-disable-next-line no-control-regex
  const gsm = /^[\x0A\x0D\x20-\x7E£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà€]*$/.test(body);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return body.length <= single ? 1 : Math.ceil(body.length / part);
}
