import { STATUS_CODES } from 'node:http';
import { parseBearer, secretsEqual } from './basic-auth.js';
import type { InjectedFailure } from './control.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
import { startHttpEmulator, type ApiReply } from './http-emulator.js';
import { sendGridMessageId } from './ids.js';
import { header, withoutAuth } from './request-headers.js';
import { validateMailSend, type SendGridError } from './sendgrid-validation.js';

export const DEFAULT_SENDGRID_API_KEY = 'SG.emulator-key.emulator-secret';
export const SENDGRID_MAX_BODY_BYTES = 30 * 1024 * 1024; // 30 MB, the Mail Send limit

export interface SendGridEmulatorOptions extends EmulatorOptions {
  /** The only API key accepted as `Authorization: Bearer <key>`. */
  apiKey?: string;
}

/** One accepted Mail Send call. */
export interface SendGridReceived {
  messageId: string;
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** Request headers, without Authorization. */
  headers: Record<string, string>;
  /** Every to/cc/bcc address across personalizations. */
  to: string[];
  from: string;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  receivedAt: number;
}

const SEND_PATH = '/v3/mail/send';

function errors(list: SendGridError[]): { errors: SendGridError[] } {
  return { errors: list };
}

function single(message: string): { errors: SendGridError[] } {
  return errors([{ message, field: null, help: null }]);
}

/** Emulates SendGrid's v3 Mail Send endpoint (`POST /v3/mail/send`). */
export function startSendGridEmulator(
  options: SendGridEmulatorOptions = {},
): Promise<EmulatorHandle<SendGridReceived>> {
  const apiKey = options.apiKey ?? DEFAULT_SENDGRID_API_KEY;

  return startHttpEmulator<SendGridReceived>({
    options,
    maxBodyBytes: SENDGRID_MAX_BODY_BYTES,
    matches: (method, path) => method === 'POST' && path === SEND_PATH,
    notFoundReply: (method, path) => ({
      status: path === SEND_PATH ? 405 : 404,
      body: single(path === SEND_PATH ? `method ${method} not allowed` : 'resource not found'),
    }),
    tooLargeReply: () => ({
      status: 413,
      body: single(
        'The JSON payload you have included in your request is too large. The maximum size is 30 MB.',
      ),
    }),
    failureReply: sendGridFailure,
    handle(req) {
      const token = parseBearer(header(req.headers, 'authorization'));
      if (token === undefined) return { reply: { status: 401, body: single('authorization required') } };
      if (!secretsEqual(token, apiKey)) {
        return {
          reply: {
            status: 401,
            body: single('The provided authorization grant is invalid, expired, or revoked'),
          },
        };
      }
      let body: unknown;
      try {
        body = JSON.parse(req.raw.toString('utf8'));
      } catch {
        return { reply: { status: 400, body: single('Bad Request') } };
      }
      const problems = validateMailSend(body);
      if (problems.length > 0) return { reply: { status: 400, body: errors(problems) } };

      const mail = body as Record<string, unknown>;
      const messageId = sendGridMessageId();
      return {
        reply: { status: 202, headers: { 'x-message-id': messageId } },
        record: {
          messageId,
          body: mail,
          headers: withoutAuth(req.headers),
          receivedAt: Date.now(),
          ...summarise(mail),
        },
      };
    },
  });
}

function sendGridFailure(failure: InjectedFailure): ApiReply {
  const headers: Record<string, string> = {};
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.status === 429) {
    headers['x-ratelimit-limit'] = '600';
    headers['x-ratelimit-remaining'] = '0';
    headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + (failure.retryAfterSeconds ?? 1));
    return { status: 429, headers, body: single('too many requests') };
  }
  return { status: failure.status, headers, body: single(STATUS_CODES[failure.status] ?? 'error') };
}

function summarise(
  mail: Record<string, unknown>,
): Pick<SendGridReceived, 'to' | 'from' | 'subject' | 'text' | 'html'> {
  const personalizations = mail.personalizations as Array<
    Record<string, Array<{ email: string }> | undefined>
  >;
  const to = personalizations.flatMap((p) =>
    [...(p.to ?? []), ...(p.cc ?? []), ...(p.bcc ?? [])].map((a) => a.email),
  );
  const content = (mail.content ?? []) as Array<{ type: string; value: string }>;
  const firstSubject = (personalizations[0] as { subject?: string } | undefined)?.subject;
  return {
    to,
    from: (mail.from as { email: string }).email,
    subject: typeof mail.subject === 'string' ? mail.subject : firstSubject,
    text: content.find((c) => c.type === 'text/plain')?.value,
    html: content.find((c) => c.type === 'text/html')?.value,
  };
}
