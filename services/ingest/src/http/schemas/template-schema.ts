import { ChannelValues } from '@notify/schemas';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { NOT_BLANK } from '../../domain/request-schema.js';
import { localeSchema } from './identifiers.js';

export const MAX_TEMPLATE_BODY_CHARS = 65_536;
export const MAX_TEMPLATE_HTML_CHARS = 200_000;
export const MAX_SUBJECT_CHARS = 998; // an email header line

/**
 * The Handlebars the OpenAPI document can state as a pattern: text without NUL and `{{`, and simple
 * expressions (`{{name}}`, `{{{user.name}}}`). Block helpers and other syntax are accepted too; the
 * server parses every template, so a template outside the pattern is refused only if it does not parse.
 */
const EXPRESSION = '[ ]*(?!else[ ]*\\})[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*[ ]*';
const SIMPLE_HANDLEBARS = `(?:[^\\u0000{]|\\{(?!\\{)|\\{\\{${EXPRESSION}\\}\\}|\\{\\{\\{${EXPRESSION}\\}\\}\\})*`;

/** Handlebars source, checked for syntax now rather than failing at render time. */
const handlebarsSource = (max: number, { required = false } = {}) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .superRefine((source, ctx) => {
      try {
        Handlebars.parse(source);
      } catch (err) {
        const reason = (err as Error).message.split('\n')[0];
        ctx.addIssue({ code: 'custom', message: `is not a valid Handlebars template: ${reason}` });
      }
    })
    .refine((source) => !required || NOT_BLANK.test(source), 'must not be empty')
    // A required body must hold more than white space: the lookahead says so in the same pattern.
    .meta({ pattern: `^${required ? `(?=[\\s\\S]*${NOT_BLANK.source})` : ''}${SIMPLE_HANDLEBARS}$` });

const variantFields = {
  locale: localeSchema,
  subject: handlebarsSource(MAX_SUBJECT_CHARS)
    .nullish()
    .meta({ description: 'Email subject, or push and in-app title (Handlebars)' }),
  body: handlebarsSource(MAX_TEMPLATE_BODY_CHARS, { required: true })
    .meta({ description: 'Plain-text body (Handlebars)' }),
};

const channelError = { error: `must be one of ${ChannelValues.join(', ')}` };
const OTHER_CHANNELS = ChannelValues.filter((c) => c !== 'EMAIL') as [Exclude<(typeof ChannelValues)[number], 'EMAIL'>, ...Array<Exclude<(typeof ChannelValues)[number], 'EMAIL'>>];

/** POST /v1/templates/:templateId/versions: a new version of one (channel, locale) variant; only EMAIL has html. */
export const templateVersionBodySchema = z.discriminatedUnion(
  'channel',
  [
    z.strictObject({
      channel: z.literal('EMAIL', channelError),
      ...variantFields,
      html: handlebarsSource(MAX_TEMPLATE_HTML_CHARS)
        .nullish()
        .meta({ description: 'HTML body (Handlebars)' }),
    }),
    z.strictObject({ channel: z.enum(OTHER_CHANNELS, channelError), ...variantFields }),
  ],
  channelError,
);

export type TemplateVersionBody = z.output<typeof templateVersionBodySchema>;
