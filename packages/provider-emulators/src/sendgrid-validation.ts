import { isValidEmail } from './email-address.js';

/** One entry of SendGrid's `{"errors": [...]}` body. */
export interface SendGridError {
  message: string;
  field: string | null;
  help: string | null;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
const MAX_PERSONALIZATIONS = 1000;
const MAX_RECIPIENTS = 1000;
const MAX_CUSTOM_ARGS_BYTES = 10_000; // 10 kB, per the Mail Send limits
/** Headers SendGrid sets itself and refuses from callers (compared lower-cased). */
const RESERVED_HEADERS = new Set([
  'x-sg-id',
  'x-sg-eid',
  'received',
  'dkim-signature',
  'content-type',
  'content-transfer-encoding',
  'to',
  'from',
  'subject',
  'reply-to',
  'cc',
  'bcc',
]);

function err(message: string, field: string | null, anchor?: string): SendGridError {
  return { message, field, help: anchor ? `${HELP}#${anchor}` : null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/**
 * Checks a v3 Mail Send body the way the real endpoint does and returns every problem found (empty
 * when the body is acceptable). Messages and field paths follow SendGrid's documented errors.
 */
export function validateMailSend(body: unknown): SendGridError[] {
  if (!isObject(body)) return [err('Bad Request', null)];
  const errors: SendGridError[] = [];
  const hasTemplate = nonEmptyString(body.template_id);

  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push(
      err(
        'The personalizations field is required and must have at least one personalization.',
        'personalizations',
        'message.personalizations',
      ),
    );
  } else if (personalizations.length > MAX_PERSONALIZATIONS) {
    errors.push(
      err(
        `The personalization block is limited to ${MAX_PERSONALIZATIONS} personalizations per API request. You have provided ${personalizations.length} personalizations. Please consider splitting this into multiple requests and resending your request.`,
        'personalizations',
        'message.personalizations',
      ),
    );
  } else {
    let recipients = 0;
    personalizations.forEach((p, i) => {
      recipients += validatePersonalization(p, i, errors);
    });
    if (recipients > MAX_RECIPIENTS) {
      errors.push(
        err(
          'There is a limit of 1000 total recipients (to + cc + bcc) per request.',
          'personalizations',
          'message.personalizations',
        ),
      );
    }
  }

  const from = body.from;
  if (!isObject(from) || from.email === undefined) {
    errors.push(
      err(
        'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.',
        'from.email',
        'message.from',
      ),
    );
  } else if (!isValidEmail(from.email)) {
    errors.push(err('The from email does not contain a valid address.', 'from.email', 'message.from'));
  }

  if (body.reply_to !== undefined && !(isObject(body.reply_to) && isValidEmail(body.reply_to.email))) {
    errors.push(
      err('The reply_to email does not contain a valid address.', 'reply_to.email', 'message.reply_to'),
    );
  }

  if (!hasTemplate) {
    const everyPersonalizationHasSubject =
      Array.isArray(personalizations) &&
      personalizations.length > 0 &&
      personalizations.every((p) => isObject(p) && nonEmptyString(p.subject));
    if (body.subject !== undefined && typeof body.subject !== 'string') {
      errors.push(err('The subject must be a string.', 'subject', 'message.subject'));
    } else if (!nonEmptyString(body.subject) && !everyPersonalizationHasSubject) {
      errors.push(
        err(
          'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
          'subject',
          'message.subject',
        ),
      );
    }
  }

  validateContent(body.content, hasTemplate, errors);
  validateHeaders(body.headers, 'headers', errors);
  validateCustomArgs(body.custom_args, 'custom_args', errors);
  return errors;
}

/** Returns the number of recipients in the personalization. */
function validatePersonalization(p: unknown, i: number, errors: SendGridError[]): number {
  const base = `personalizations.${i}`;
  if (!isObject(p)) {
    errors.push(err('Each personalization must be an object.', base, 'message.personalizations'));
    return 0;
  }
  if (!Array.isArray(p.to) || p.to.length === 0) {
    errors.push(
      err(
        'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        `${base}.to`,
        'message.personalizations.to',
      ),
    );
  }
  const seen = new Set<string>();
  let count = 0;
  for (const kind of ['to', 'cc', 'bcc'] as const) {
    const list = p[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push(
        err(
          `The ${kind} field must be an array of email objects.`,
          `${base}.${kind}`,
          `message.personalizations.${kind}`,
        ),
      );
      continue;
    }
    list.forEach((entry: unknown, j) => {
      count += 1;
      const email = isObject(entry) ? entry.email : undefined;
      if (!isValidEmail(email)) {
        errors.push(
          err(
            'Does not contain a valid address.',
            `${base}.${kind}.${j}.email`,
            `message.personalizations.${kind}`,
          ),
        );
        return;
      }
      const key = email.toLowerCase();
      if (seen.has(key)) {
        errors.push(
          err(
            `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${email}] in the ${base}.${kind} field.`,
            base,
            'message.personalizations',
          ),
        );
      }
      seen.add(key);
    });
  }
  if (p.subject !== undefined && typeof p.subject !== 'string') {
    errors.push(err('The subject must be a string.', `${base}.subject`, 'message.personalizations.subject'));
  }
  validateHeaders(p.headers, `${base}.headers`, errors);
  validateCustomArgs(p.custom_args, `${base}.custom_args`, errors);
  return count;
}

function validateContent(content: unknown, hasTemplate: boolean, errors: SendGridError[]): void {
  if (content === undefined && hasTemplate) return;
  if (!Array.isArray(content) || content.length === 0) {
    errors.push(
      err(
        'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.',
        'content',
        'message.content',
      ),
    );
    return;
  }
  content.forEach((block: unknown, i) => {
    const type = isObject(block) ? block.type : undefined;
    const value = isObject(block) ? block.value : undefined;
    if (!nonEmptyString(type) || /[;\r\n]/.test(type)) {
      errors.push(
        err(
          "The content type cannot contain ';', or CRLF characters. The content type must be a string at least one character in length.",
          `content.${i}.type`,
          'message.content.type',
        ),
      );
    }
    if (!nonEmptyString(value)) {
      errors.push(
        err(
          'The content value must be a string at least one character in length.',
          `content.${i}.value`,
          'message.content.value',
        ),
      );
    }
  });
  const plainIndex = content.findIndex((b) => isObject(b) && b.type === 'text/plain');
  if (plainIndex > 0) {
    errors.push(
      err(
        'If present, text/plain content must be first, followed by text/html, followed by any other content.',
        'content',
        'message.content',
      ),
    );
  }
}

function validateHeaders(headers: unknown, field: string, errors: SendGridError[]): void {
  if (headers === undefined) return;
  if (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    errors.push(
      err(
        'Invalid type. Expected: object, given: headers must be a key/value pairs of strings.',
        field,
        'message.headers',
      ),
    );
    return;
  }
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      errors.push(
        err(`The header "${name}" is reserved and cannot be set.`, `${field}.${name}`, 'message.headers'),
      );
    }
  }
}

function validateCustomArgs(args: unknown, field: string, errors: SendGridError[]): void {
  if (args === undefined) return;
  if (!isObject(args) || Object.values(args).some((v) => typeof v !== 'string')) {
    errors.push(
      err(
        'Invalid type. Expected: object of string values, given: custom_args.',
        field,
        'message.custom_args',
      ),
    );
    return;
  }
  if (Buffer.byteLength(JSON.stringify(args)) > MAX_CUSTOM_ARGS_BYTES) {
    errors.push(err('The custom_args object is limited to 10,000 bytes.', field, 'message.custom_args'));
  }
}
