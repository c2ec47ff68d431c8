import { ErrorCodes, PermanentError } from '@notify/core';
import type { TemplateContent } from '@notify/schemas';
import Handlebars from 'handlebars';

/**
 * Template rendering with Handlebars.
 *
 * Missing variables are lenient: a `{{name}}` or `{{{name}}}` with no value renders as an empty string
 * and its name is reported in `missingVariables`, so one absent optional field does not dead-letter a
 * notification while the gap stays visible in the status timeline. Variables used only as helper
 * arguments or block conditions (`{{#if name}}`) are not reported: being absent is their normal case.
 * Calling a helper that does not exist, or a syntax error, is a template error.
 */

export interface RenderedContent {
  subject: string | null;
  text: string;
  html: string | null;
  /** Variables referenced by the templates that had no value, sorted, each once. */
  missingVariables: string[];
}

export interface RenderOptions {
  /** Named in template errors. */
  templateId: string;
  /** SMS bodies are cut to this many characters. */
  smsMaxLength: number;
}

type Escaping = 'html' | 'none';
type Field = 'subject' | 'body' | 'html';
type RenderContext = Record<string, unknown>;
type CompiledTemplate = HandlebarsTemplateDelegate<RenderContext>;

interface RenderData {
  missingVariables: Set<string>;
}

class UnknownHelperError extends Error {}

const handlebars = Handlebars.create();
handlebars.registerHelper('helperMissing', function (...args: unknown[]) {
  const options = args[args.length - 1] as Handlebars.HelperOptions & { name: string };
  if (args.length > 1) throw new UnknownHelperError(`unknown helper "${options.name}"`);
  (options.data as RenderData | undefined)?.missingVariables?.add(options.name);
  return '';
});

const CACHE_MAX_ENTRIES = 1_000; // compiled templates; versions of one template each take an entry
const cache = new Map<string, CompiledTemplate>();

function compiled(source: string, escaping: Escaping): CompiledTemplate {
  const key = `${escaping}\u0000${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Re-inserting keeps the map in least-recently-used order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  // Compilation is lazy: syntax errors surface on the first call, inside renderField's error handling.
  const template: CompiledTemplate = handlebars.compile(source, { noEscape: escaping === 'none' });
  cache.set(key, template);
  if (cache.size > CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return template;
}

/** Number of compiled templates held; for tests and metrics. */
export function compiledTemplateCount(): number {
  return cache.size;
}

function renderField(
  content: TemplateContent,
  field: Field,
  source: string,
  escaping: Escaping,
  data: RenderContext,
  missing: Set<string>,
  options: RenderOptions,
): string {
  try {
    return compiled(source, escaping)(data, { data: { missingVariables: missing } satisfies RenderData });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PermanentError(
      ErrorCodes.VALIDATION,
      `template ${options.templateId} v${content.version} (${content.channel}, ${content.locale}) ${field}: ${reason}`,
      {
        cause: err,
        details: {
          templateId: options.templateId,
          channel: content.channel,
          locale: content.locale,
          version: content.version,
          field,
        },
      },
    );
  }
}

/** Cuts to at most `max` characters without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const codePoints = Array.from(text);
  let out = '';
  for (const cp of codePoints) {
    if (out.length + cp.length > max) break;
    out += cp;
  }
  return out;
}

/**
 * What templates see: the notification's data, with a digest's `digest` (JSON, see the preference
 * filter's digest notification) as an object, so that `{{digest.count}}`, `{{#each digest.items}}` and
 * `{{digest.more}}` work. A `digest` that is not a JSON object stays the string it is.
 */
export function renderContext(data: Record<string, string>): RenderContext {
  const raw = data.digest;
  if (raw === undefined) return data;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { ...data, digest: parsed };
  } catch {
    // Not JSON: an ordinary variable that happens to be called digest.
  }
  return data;
}

/**
 * Renders subject, plain-text body and HTML body of one channel's template with the notification's
 * data (see renderContext). Only the HTML body is HTML-escaped; the SMS body is cut to `smsMaxLength`. Throws PermanentError
 * (code VALIDATION) naming the template, version, channel, locale and field on a template error.
 */
export function renderContent(
  content: TemplateContent,
  data: Record<string, string>,
  options: RenderOptions,
): RenderedContent {
  const missing = new Set<string>();
  const context = renderContext(data);
  const subject =
    content.subject === null
      ? null
      : renderField(content, 'subject', content.subject, 'none', context, missing, options);
  const body = renderField(content, 'body', content.body, 'none', context, missing, options);
  const html =
    content.html === null ? null : renderField(content, 'html', content.html, 'html', context, missing, options);
  return {
    subject,
    text: content.channel === 'SMS' ? truncateText(body, options.smsMaxLength) : body,
    html,
    missingVariables: [...missing].sort(),
  };
}
