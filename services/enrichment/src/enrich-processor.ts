import { Stages } from '@notify/core';
import { deadLetteredStatus, output, statusEvent, statusOutput, type InputRecord, type Output, type ProcessorDefinition } from '@notify/runtime';
import { recipientKey, Topics, type NotificationAccepted } from '@notify/schemas';
import { templateKeyOf, type RecipientDoc, type RecipientRepository, type TemplateRepository } from '@notify/stores';
import { enrich } from './domain/enrich.js';
import type { TenantLocales } from './tenant-locales.js';

export interface EnrichDeps {
  recipients: Pick<RecipientRepository, 'getMany'>;
  templates: Pick<TemplateRepository, 'getManyTemplates'>;
  locales: TenantLocales;
}

/**
 * notify.accepted.v1 → notify.enriched.v1. Recipients and templates are looked up once per batch (one
 * query each, through the Redis read-through caches). An unknown recipient or template ends the
 * notification as FAILED with the reason, on the status topic.
 */
export function enrichProcessor(deps: EnrichDeps): ProcessorDefinition<'notification-accepted'> {
  return {
    name: Stages.enrichment,
    input: Topics.accepted,
    outputs: [Topics.enriched, Topics.status],
    bindings: (v) => ({ notificationId: v.notification.notificationId, tenantId: v.notification.tenantId }),
    handle: { batch: (records) => enrichBatch(records, deps) },
    onDeadLetter: (value, failure, ctx) => [deadLetteredStatus(value.notification, Stages.enrichment, failure, ctx.now())],
  };
}

async function enrichBatch(records: Array<InputRecord<NotificationAccepted>>, deps: EnrichDeps): Promise<Array<Output[] | Error>> {
  const notifications = records.map((r) => r.value.notification);
  const usersByTenant = new Map<string, string[]>();
  for (const n of notifications) usersByTenant.set(n.tenantId, [...(usersByTenant.get(n.tenantId) ?? []), n.userId]);
  const recipients = new Map<string, RecipientDoc>();
  for (const [tenantId, userIds] of usersByTenant) {
    for (const [userId, doc] of await deps.recipients.getMany(tenantId, userIds)) recipients.set(recipientKey({ tenantId, userId }), doc);
  }
  const templates = await deps.templates.getManyTemplates(notifications.map((n) => ({ tenantId: n.tenantId, templateId: n.templateId })));

  const results: Array<Output[] | Error> = [];
  for (const { value, context } of records) {
    const n = value.notification;
    const now = context.now();
    const result = enrich(
      n,
      recipients.get(recipientKey(n)),
      templates.get(templateKeyOf(n)) ?? [],
      await deps.locales.defaultLocale(n.tenantId, now),
    );
    if (result.kind === 'enriched') {
      results.push([output(Topics.enriched, context.key ?? Topics.enriched.keyOf(result.value), result.value)]);
    } else {
      context.logger.info({ reason: result.reason }, 'notification failed enrichment');
      results.push([statusOutput(statusEvent(n, Stages.enrichment, 'FAILED', now, { reason: `${result.reason}: ${result.detail}`, attributes: { failure: result.reason } }))]);
    }
  }
  return results;
}
