import { ChannelValues, type Channel, type TemplateContent } from '@notify/schemas';
import { normalizeLocale } from './locale-fallback.js';

/** One stored template version (a TemplateDoc from @notify/stores fits). */
export interface TemplateVariant {
  channel: Channel;
  locale: string;
  version: number;
  subject?: string | null;
  body: string;
  html?: string | null;
}

/**
 * For each channel, the latest version in the first locale of `chain` that has one. Channels come in
 * the order of `channels` (the request's preference order), or every channel the template has when
 * `channels` is empty; a channel with content in no locale of the chain is left out.
 */
export function resolveContent(
  templates: readonly TemplateVariant[],
  chain: readonly string[],
  channels: readonly Channel[] = [],
): TemplateContent[] {
  const wanted =
    channels.length > 0
      ? [...new Set(channels)]
      : ChannelValues.filter((c) => templates.some((t) => t.channel === c));
  const content: TemplateContent[] = [];
  for (const channel of wanted) {
    const ofChannel = templates.filter((t) => t.channel === channel);
    for (const locale of chain) {
      const latest = ofChannel
        .filter((t) => (normalizeLocale(t.locale) ?? t.locale) === locale)
        .reduce<TemplateVariant | undefined>(
          (best, t) => (!best || t.version > best.version ? t : best),
          undefined,
        );
      if (!latest) continue;
      content.push({
        channel,
        locale: latest.locale,
        version: latest.version,
        subject: latest.subject ?? null,
        body: latest.body,
        html: latest.html ?? null,
      });
      break;
    }
  }
  return content;
}
