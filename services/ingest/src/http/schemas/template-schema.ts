import { ChannelValues } from '@notify/schemas';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { localeSchema } from './identifiers.js';

export const MAX_TEMPLATE_BODY_CHARS = 65_536;
export const MAX_TEMPLATE_HTML_CHARS = 200_000;
export const MAX_SUBJECT_CHARS = 998; // an email header line

/** Handlebars source, checked for syntax now rather than failing at render time. */
const handlebarsSource = (max: number) =>
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
    });

/** POST /v1/templates/:templateId/versions: a new version of one (channel, locale) variant. */
export const templateVersionBodySchema = z
  .strictObject({
    channel: z.enum(ChannelValues, { error: `must be one of ${ChannelValues.join(', ')}` }),
    locale: localeSchema,
    subject: handlebarsSource(MAX_SUBJECT_CHARS)
      .nullish()
      .meta({ description: 'Email subject, or push and in-app title (Handlebars)' }),
    body: handlebarsSource(MAX_TEMPLATE_BODY_CHARS)
      .refine((s) => s.trim().length > 0, 'must not be empty')
      .meta({ description: 'Plain-text body (Handlebars)' }),
    html: handlebarsSource(MAX_TEMPLATE_HTML_CHARS)
      .nullish()
      .meta({ description: 'HTML body, EMAIL only (Handlebars)' }),
  })
  .superRefine((t, ctx) => {
    if (t.html != null && t.channel !== 'EMAIL')
      ctx.addIssue({ code: 'custom', path: ['html'], message: 'is only used by EMAIL templates' });
  });

export type TemplateVersionBody = z.output<typeof templateVersionBodySchema>;
