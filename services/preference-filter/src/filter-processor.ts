import { Stages } from '@notify/core';
import { deadLetteredStatus, Headers, output, statusOutput, type InputRecord, type Output, type ProcessorDefinition } from '@notify/runtime';
import { recipientKey, Topics, type NotificationEnriched } from '@notify/schemas';
import type { DigestWindowRepository, PreferencesDoc, PreferencesRepository } from '@notify/stores';
import type { FrequencyCapStore } from './adapters/frequency-cap-store.js';
import { verdictsByNotification } from './adapters/frequency-cap-store.js';
import type { ScheduledRepository } from '@notify/stores';
import { deferredHeaders } from './deferred-headers.js';
import type { DigestMetrics } from './digest-metrics.js';
import { digestStep } from './digest-step.js';
import { applyCapVerdicts, channelSuppressionEvents, decideBeforeCaps, planCapChecks, statusEventFor, toFiltered } from './domain/decide.js';
import type { FrequencyCapRule } from './domain/frequency-cap.js';

export interface FilterDeps {
  preferences: Pick<PreferencesRepository, 'getMany'>;
  caps: Pick<FrequencyCapStore, 'checkAndRecordMany'>;
  scheduled: Pick<ScheduledRepository, 'scheduleMany' | 'cancel'>;
  digests: Pick<DigestWindowRepository, 'session'>;
  capPolicy: readonly FrequencyCapRule[];
  digestMetrics?: DigestMetrics;
}

/**
 * notify.enriched.v1 → notify.filtered.v1 (passed), the scheduler store (deferred), or nothing
 * (suppressed), each with its status event. Preferences and cap counters are read, and deferred
 * notifications stored, once per batch. Notifications with a digest are collected into their window
 * first (digestStep); a closed window comes back to notify.enriched.v1 as one digest notification, which
 * this same decision then takes like any other.
 */
export function filterProcessor(deps: FilterDeps): ProcessorDefinition<'notification-enriched'> {
  return {
    name: Stages.preferenceFilter,
    input: Topics.enriched,
    outputs: [Topics.filtered, Topics.status, Topics.enriched],
    bindings: (v) => ({ notificationId: v.notification.notificationId, tenantId: v.notification.tenantId }),
    handle: { batch: (records) => filterBatch(records, deps) },
    // A close marker carries its window's first item, already DIGESTED: its failure belongs to the digest.
    onDeadLetter: (value, failure, ctx) => {
      const digestId = ctx.headers[Headers.DIGEST_CLOSE];
      const subject = digestId ? { ...value.notification, notificationId: digestId } : value.notification;
      return [deadLetteredStatus(subject, Stages.preferenceFilter, failure, ctx.now())];
    },
  };
}

async function filterBatch(records: Array<InputRecord<NotificationEnriched>>, deps: FilterDeps): Promise<Array<Output[] | Error>> {
  const digested = await digestStep(records, { digests: deps.digests, scheduled: deps.scheduled, metrics: deps.digestMetrics });
  const undigested = records.filter((_, i) => digested[i] === null);
  const decided = await decideBatch(undigested, deps);
  let next = 0;
  return digested.map((d) => d ?? decided[next++]!);
}

async function decideBatch(records: Array<InputRecord<NotificationEnriched>>, deps: FilterDeps): Promise<Output[][]> {
  if (records.length === 0) return [];
  const prefs = await loadPreferences(records, deps);
  const pre = records.map(({ value, context }) =>
    decideBeforeCaps({ enriched: value, now: context.now(), preferences: prefs.get(recipientKey(value.notification)) ?? null }),
  );
  const checks = records.flatMap(({ value }, i) => planCapChecks(value, pre[i]!, deps.capPolicy));
  const verdicts = verdictsByNotification(checks.length ? await deps.caps.checkAndRecordMany(checks, records[0]!.context.now()) : []);

  const decisions = records.map(({ value }, i) => applyCapVerdicts(pre[i]!, verdicts.get(value.notification.notificationId) ?? {}));
  const deferred = records.flatMap(({ value, context }, i) => {
    const decision = decisions[i]!;
    if (decision.kind !== 'defer') return [];
    return [
      {
        _id: value.notification.notificationId,
        tenantId: value.notification.tenantId,
        dueAt: new Date(decision.until),
        payload: context.rawValue!,
        key: context.key ?? Topics.enriched.keyOf(value),
        headers: deferredHeaders(context.headers),
        reason: decision.reason,
      },
    ];
  });
  await deps.scheduled.scheduleMany(deferred);

  return records.map(({ value, context }, i) => {
    const now = context.now();
    const decision = decisions[i]!;
    const outputs: Output[] = [];
    if (decision.kind === 'pass') {
      const filtered = toFiltered(value, decision.allowedChannels);
      outputs.push(output(Topics.filtered, context.key ?? Topics.filtered.keyOf(filtered), filtered));
    }
    const event = statusEventFor(value, decision, now);
    if (event) outputs.push(statusOutput(event));
    outputs.push(...channelSuppressionEvents(value, decision, now).map(statusOutput));
    return outputs;
  });
}

async function loadPreferences(records: Array<InputRecord<NotificationEnriched>>, deps: FilterDeps) {
  const byTenant = new Map<string, string[]>();
  for (const { value } of records) {
    const list = byTenant.get(value.notification.tenantId) ?? [];
    list.push(value.notification.userId);
    byTenant.set(value.notification.tenantId, list);
  }
  const all = new Map<string, PreferencesDoc>();
  for (const [tenantId, userIds] of byTenant) {
    for (const [userId, doc] of await deps.preferences.getMany(tenantId, userIds)) all.set(recipientKey({ tenantId, userId }), doc);
  }
  return all;
}
