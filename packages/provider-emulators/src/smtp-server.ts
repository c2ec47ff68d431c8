import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { EmulatorControl } from './control.js';
import { startControlServer, type ControlServer } from './control-server.js';
import type { CallRecord, EmulatorHandle, EmulatorOptions } from './emulator-handle.js';

const MAX_MESSAGE_BYTES = 30 * 1024 * 1024; // 30 MB
/** How long stop() lets pooled client connections linger before closing them. */
const CLOSE_TIMEOUT_MS = 200;

export interface SmtpServerOptions extends EmulatorOptions {
  /** When set, clients must AUTH (PLAIN/LOGIN) with these credentials. */
  auth?: { user: string; pass: string };
  /** Also serve the HTTP control routes on this port (0 picks one); none when undefined. */
  controlPort?: number;
}

/** One accepted message, parsed. */
export interface SmtpReceived {
  /** SMTP envelope: MAIL FROM and RCPT TO. */
  envelope: { from: string | undefined; to: string[] };
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  /** As in the Message-ID header, angle brackets included. */
  messageId: string | undefined;
  /** Header names lower-cased; structured values as their original text. */
  headers: Record<string, string>;
  /** The authenticated user, if any. */
  user: string | undefined;
  receivedAt: number;
}

export interface SmtpServerHandle extends Omit<EmulatorHandle<SmtpReceived>, 'url'> {
  /** smtp://host:port, with credentials when AUTH is on. */
  readonly url: string;
  readonly host: string;
  /** The HTTP control URL when `controlPort` was given. */
  readonly controlUrl: string | undefined;
}

/**
 * An SMTP server that parses and records what it accepts. Injected failures use SMTP reply codes:
 * `failNext(n, 451)` is a transient refusal, `failNext(n, 550)` a permanent one; failure rates answer
 * 451 (server error) and 450 (rate limited). Failures and latency apply at the end of DATA.
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpServerHandle> {
  const control = new EmulatorControl({
    serverErrorStatus: 451,
    rateLimitStatus: 450,
    ...(options.random ? { random: options.random } : {}),
  });
  const received: SmtpReceived[] = [];
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const clearReceived = (): void => {
    received.length = 0;
    calls.length = 0;
  };
  const auth = options.auth;

  const server = new SMTPServer({
    secure: false,
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: CLOSE_TIMEOUT_MS,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
      } else {
        callback(smtpError(535, 'Authentication credentials invalid'));
      }
    },
    onData(stream, session, callback) {
      const record = (status: number): void => {
        calls.push({ method: 'DATA', path: '/', status, at: Date.now() });
      };
      accept(stream)
        .then(async (message) => {
          const plan = control.next();
          if (plan.delayMs > 0) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(() => {
                timers.delete(t);
                resolve();
              }, plan.delayMs);
              timers.add(t);
            });
          }
          if (plan.failure) {
            record(plan.failure.status);
            return callback(smtpError(plan.failure.status, failureText(plan.failure.status)));
          }
          if (stream.sizeExceeded) {
            record(552);
            return callback(smtpError(552, 'Message exceeds fixed maximum message size'));
          }
          received.push({
            ...message,
            envelope: {
              from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          record(250);
          callback(null, `Message queued as ${message.messageId ?? 'unknown'}`);
        })
        .catch((err: unknown) => {
          record(451);
          callback(smtpError(451, `could not parse message: ${String(err)}`));
        });
    },
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // Client-side protocol errors are reported per connection; the server keeps running.
  });
  const port = (server.server.address() as AddressInfo).port;

  let controlServer: ControlServer | undefined;
  if (options.controlPort !== undefined) {
    controlServer = await startControlServer(
      { control, received, calls, clearReceived },
      options.controlPort,
      host,
    );
  }

  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return {
    url: `smtp://${credentials}${host}:${port}`,
    host,
    port,
    controlUrl: controlServer?.url,
    received,
    calls,
    control,
    clearReceived,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        controlServer?.stop(),
      ]);
    },
  };
}

type ParsedMessage = Omit<SmtpReceived, 'envelope' | 'user'>;

async function accept(stream: SMTPServerDataStream): Promise<ParsedMessage> {
  const parsed = await simpleParser(stream);
  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines)
    headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
  return {
    from: parsed.from?.value[0]?.address,
    to: addresses(parsed.to),
    subject: parsed.subject,
    text: parsed.text?.replace(/\n$/, ''),
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    messageId: parsed.messageId,
    headers,
    receivedAt: Date.now(),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  return (Array.isArray(field) ? field : [field])
    .flatMap((o) => o.value.map((a) => a.address ?? ''))
    .filter(Boolean);
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function failureText(code: number): string {
  if (code === 450) return '4.7.1 Rate limit exceeded, try again later';
  if (code === 421) return '4.3.2 Service not available, closing transmission channel';
  if (code >= 400 && code < 500) return '4.3.0 Temporary server error, try again later';
  return '5.7.1 Message rejected';
}
