import { parseBearer, secretsEqual } from './basic-auth.js';
import { EmulatorControl, type EmulatorControlOptions, type InjectedFailure } from './control.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
import { startHttpEmulator, type ApiReply } from './http-emulator.js';
import { fcmMessageId } from './ids.js';
import { header, withoutAuth } from './request-headers.js';

export const DEFAULT_FCM_PROJECT_ID = 'notify-emulator';
export const DEFAULT_FCM_ACCESS_TOKEN = 'ya29.emulator-access-token';
const MAX_REQUEST_BYTES = 1024 * 1024; // 1 MiB
/** FCM's payload limit for a message to a token: data + notification. */
const MAX_PAYLOAD_BYTES = 4096;

export interface FcmEmulatorOptions extends EmulatorOptions {
  projectId?: string;
  /** The only OAuth access token accepted as `Authorization: Bearer <token>`. */
  accessToken?: string;
  /** Tokens answered with 404 UNREGISTERED from the start. */
  unregisteredTokens?: string[];
}

export interface FcmReceived {
  /** `projects/<p>/messages/<id>`, as returned to the caller. */
  name: string;
  projectId: string;
  message: FcmMessage;
  headers: Record<string, string>;
  receivedAt: number;
}

export interface FcmMessage {
  token?: string;
  topic?: string;
  condition?: string;
  notification?: { title?: string; body?: string; image?: string };
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** Control with FCM's extra state: tokens whose app was uninstalled. `reset()` clears them too. */
export class FcmControl extends EmulatorControl {
  readonly unregisteredTokens = new Set<string>();

  constructor(options: EmulatorControlOptions = {}) {
    super(options);
  }

  unregisterTokens(...tokens: string[]): this {
    for (const t of tokens) this.unregisteredTokens.add(t);
    return this;
  }

  override reset(): this {
    this.unregisteredTokens.clear();
    return super.reset();
  }
}

type FcmHandle = EmulatorHandle<FcmReceived, FcmControl>;

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
const TOKEN = /^[A-Za-z0-9_:-]{32,4096}$/;
const TOPIC = /^[A-Za-z0-9\-_.~%]{1,900}$/;
const MESSAGE_FIELDS = new Set([
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'token',
  'topic',
  'condition',
]);
const NOTIFICATION_FIELDS = new Set(['title', 'body', 'image']);
const RESERVED_DATA_KEY = /^(from|message_type|google.*|gcm.*)$/;

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** FCM-specific error codes that go into the FcmError detail. */
const FCM_ERROR_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'THIRD_PARTY_AUTH_ERROR',
  403: 'SENDER_ID_MISMATCH',
  404: 'UNREGISTERED',
  429: 'QUOTA_EXCEEDED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

interface GoogleErrorOptions {
  fcmErrorCode?: string;
  fieldViolation?: string;
  headers?: Record<string, string>;
}

/** Google's JSON error shape: `{error: {code, message, status, details}}`. */
function googleError(code: number, message: string, options: GoogleErrorOptions = {}): ApiReply {
  const details: unknown[] = [];
  if (options.fcmErrorCode) {
    details.push({
      '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
      errorCode: options.fcmErrorCode,
    });
  }
  if (options.fieldViolation !== undefined) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: options.fieldViolation, description: message }],
    });
  }
  const error: Record<string, unknown> = { code, message, status: GOOGLE_STATUS[code] ?? 'UNKNOWN' };
  if (details.length) error.details = details;
  return { status: code, body: { error }, ...(options.headers ? { headers: options.headers } : {}) };
}

const invalid = (message: string, field?: string): ApiReply =>
  googleError(
    400,
    message,
    field === undefined ? { fcmErrorCode: 'INVALID_ARGUMENT' } : { fieldViolation: field },
  );

/** Emulates FCM's HTTP v1 send (`POST /v1/projects/{projectId}/messages:send`). */
export function startFcmEmulator(options: FcmEmulatorOptions = {}): Promise<FcmHandle> {
  const projectId = options.projectId ?? DEFAULT_FCM_PROJECT_ID;
  const accessToken = options.accessToken ?? DEFAULT_FCM_ACCESS_TOKEN;
  const control = new FcmControl(options.random ? { random: options.random } : {});
  control.unregisterTokens(...(options.unregisteredTokens ?? []));

  return startHttpEmulator<FcmReceived, FcmControl>({
    options,
    control,
    maxBodyBytes: MAX_REQUEST_BYTES,
    matches: (method, path) => method === 'POST' && SEND_PATH.test(path),
    notFoundReply: (method, path) =>
      SEND_PATH.test(path)
        ? googleError(405, `Method ${method} not allowed`)
        : googleError(404, `The requested URL ${path} was not found on this server.`),
    tooLargeReply: () => googleError(413, 'Request payload size exceeds the limit: 1048576 bytes.'),
    failureReply: fcmFailure,
    applyExtra(extra) {
      const problems: string[] = [];
      for (const [key, value] of Object.entries(extra)) {
        if (
          key === 'unregisteredTokens' &&
          Array.isArray(value) &&
          value.every((v) => typeof v === 'string')
        ) {
          control.unregisterTokens(...value);
        } else if (key === 'unregisteredTokens')
          problems.push('unregisteredTokens must be an array of strings');
        else problems.push(`unknown field ${key}`);
      }
      return problems;
    },
    extraState: () => ({ unregisteredTokens: [...control.unregisteredTokens] }),
    handle(req) {
      const token = parseBearer(header(req.headers, 'authorization'));
      if (token === undefined || !secretsEqual(token, accessToken)) {
        return {
          reply: googleError(
            401,
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          ),
        };
      }
      const pathProject = SEND_PATH.exec(req.path)?.[1];
      if (pathProject !== projectId) {
        return {
          reply: googleError(
            403,
            `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${pathProject}' (or it may not exist).`,
          ),
        };
      }

      let body: unknown;
      try {
        body = JSON.parse(req.raw.toString('utf8'));
      } catch {
        return {
          reply: googleError(400, 'Invalid JSON payload received. Unexpected token.', { fieldViolation: '' }),
        };
      }
      const problem = validateSend(body);
      if (problem) return { reply: problem };

      const { message, validate_only: validateOnly } = body as {
        message: FcmMessage;
        validate_only?: boolean;
      };
      if (message.token !== undefined && control.unregisteredTokens.has(message.token)) {
        return {
          reply: googleError(404, 'Requested entity was not found.', { fcmErrorCode: 'UNREGISTERED' }),
        };
      }
      if (validateOnly)
        return { reply: { status: 200, body: { name: `projects/${projectId}/messages/fake_message_id` } } };

      const name = `projects/${projectId}/messages/${fcmMessageId()}`;
      return {
        reply: { status: 200, body: { name } },
        record: { name, projectId, message, headers: withoutAuth(req.headers), receivedAt: Date.now() },
      };
    },
  });
}

/** Returns the first problem with a send request, the way FCM reports it, or undefined. */
function validateSend(body: unknown): ApiReply | undefined {
  if (!isObject(body)) return invalid('Invalid JSON payload received. Expected an object.', '');
  for (const key of Object.keys(body)) {
    if (key !== 'message' && key !== 'validate_only') {
      return invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`, '');
    }
  }
  const message = body.message;
  if (!isObject(message)) return invalid('Recipient of the message is not set.', 'message');
  for (const key of Object.keys(message)) {
    if (!MESSAGE_FIELDS.has(key)) {
      return invalid(
        `Invalid JSON payload received. Unknown name "${key}" at 'message': Cannot find field.`,
        'message',
      );
    }
  }

  const targets = (['token', 'topic', 'condition'] as const).filter((t) => message[t] !== undefined);
  if (targets.length === 0) return invalid('Recipient of the message is not set.', 'message');
  if (targets.length > 1) {
    return invalid(
      `Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '${targets[1]}'`,
      'message',
    );
  }
  if (message.token !== undefined && !(typeof message.token === 'string' && TOKEN.test(message.token))) {
    return invalid('The registration token is not a valid FCM registration token');
  }
  if (message.topic !== undefined && !(typeof message.topic === 'string' && TOPIC.test(message.topic))) {
    return invalid('Invalid topic name.');
  }

  if (message.notification !== undefined) {
    if (!isObject(message.notification))
      return invalid(
        "Invalid value at 'message.notification' (type.googleapis.com/google.firebase.fcm.v1.Notification)",
        'message.notification',
      );
    for (const [key, value] of Object.entries(message.notification)) {
      if (!NOTIFICATION_FIELDS.has(key)) {
        return invalid(
          `Invalid JSON payload received. Unknown name "${key}" at 'message.notification': Cannot find field.`,
          'message.notification',
        );
      }
      if (typeof value !== 'string') {
        return invalid(
          `Invalid value at 'message.notification.${key}' (TYPE_STRING), ${JSON.stringify(value)}`,
          `message.notification.${key}`,
        );
      }
    }
  }

  if (message.data !== undefined) {
    if (!isObject(message.data))
      return invalid("Invalid value at 'message.data' (Map), expected an object", 'message.data');
    const entries = Object.entries(message.data);
    for (const [i, [key, value]] of entries.entries()) {
      if (typeof value !== 'string') {
        return invalid(
          `Invalid value at 'message.data[${i}].value' (TYPE_STRING), ${JSON.stringify(value)}`,
          `message.data[${i}].value`,
        );
      }
      if (RESERVED_DATA_KEY.test(key)) return invalid(`Invalid data payload key: ${key}`);
    }
  }

  const payloadBytes =
    Buffer.byteLength(JSON.stringify(message.data ?? {})) +
    Buffer.byteLength(JSON.stringify(message.notification ?? {}));
  if (payloadBytes > MAX_PAYLOAD_BYTES) return invalid('Message is too big');
  return undefined;
}

function fcmFailure(failure: InjectedFailure): ApiReply {
  const headers =
    failure.retryAfterSeconds !== undefined
      ? { 'retry-after': String(failure.retryAfterSeconds) }
      : undefined;
  const message =
    failure.status === 429
      ? "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute'."
      : failure.status === 503
        ? 'The service is currently unavailable.'
        : failure.status >= 500
          ? 'Internal error encountered.'
          : 'Request contains an invalid argument.';
  const fcmErrorCode = FCM_ERROR_CODE[failure.status];
  return googleError(failure.status, message, {
    ...(fcmErrorCode ? { fcmErrorCode } : {}),
    ...(headers ? { headers } : {}),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
