// The digests a run's digested notifications ended in: found from the items' DIGESTED events (attribute
// digestId, the digest's notification id), planned like the run's own notifications, and checked against
// the items each digest lists (its ACCEPTED event's `items`). Pure.
import type { StatusRecord } from './status-collector.js';
import type { PlannedNotification } from './workload.js';

export const DIGEST_SCENARIO = 'digest';

/** The digest ids each item's DIGESTED events name (more than one is an item in two digests). */
export function digestsOfItems(
  plans: ReadonlyMap<string, PlannedNotification>,
  statuses: ReadonlyMap<string, readonly StatusRecord[]>,
): Map<string, Set<string>> {
  const byItem = new Map<string, Set<string>>();
  for (const plan of plans.values()) {
    if (!plan.digestExpect) continue;
    for (const r of statuses.get(plan.notificationId) ?? []) {
      const digestId = r.status === 'DIGESTED' ? r.attributes.digestId : undefined;
      if (!digestId) continue;
      let ids = byItem.get(plan.notificationId);
      if (!ids) byItem.set(plan.notificationId, (ids = new Set()));
      ids.add(digestId);
    }
  }
  return byItem;
}

/**
 * The run's planned notifications plus one plan per digest its items ended in: the digest belongs to the
 * request of its first item seen, and is expected to end as that item's plan says of its digest.
 */
export function withDigests(
  plans: ReadonlyMap<string, PlannedNotification>,
  statuses: ReadonlyMap<string, readonly StatusRecord[]>,
): Map<string, PlannedNotification> {
  const all = new Map(plans);
  for (const [itemId, digestIds] of digestsOfItems(plans, statuses)) {
    const item = plans.get(itemId)!;
    for (const digestId of digestIds) {
      if (all.has(digestId)) continue;
      all.set(digestId, {
        notificationId: digestId,
        requestKey: item.requestKey,
        userId: item.userId,
        scenario: DIGEST_SCENARIO,
        via: item.via,
        expect: item.digestExpect!,
      });
    }
  }
  return all;
}

export interface DigestFinding {
  notificationId: string;
  detail: string;
}

/**
 * Every digested item is in exactly one digest, and every digest lists exactly the items that name it.
 * Digests not yet accepted (no ACCEPTED event with its items) are left to the loss check.
 */
export function digestMembershipFindings(
  plans: ReadonlyMap<string, PlannedNotification>,
  statuses: ReadonlyMap<string, readonly StatusRecord[]>,
): DigestFinding[] {
  const findings: DigestFinding[] = [];
  const itemsNaming = new Map<string, Set<string>>();
  for (const [itemId, digestIds] of digestsOfItems(plans, statuses)) {
    if (digestIds.size > 1) findings.push({ notificationId: itemId, detail: `digested into ${digestIds.size} digests: ${[...digestIds].join(', ')}` });
    for (const d of digestIds) {
      let items = itemsNaming.get(d);
      if (!items) itemsNaming.set(d, (items = new Set()));
      items.add(itemId);
    }
  }
  for (const [digestId, named] of itemsNaming) {
    const accepted = (statuses.get(digestId) ?? []).find((r) => r.status === 'ACCEPTED' && r.attributes.items !== undefined);
    if (!accepted) continue;
    const listed = new Set(accepted.attributes.items!.split(',').filter(Boolean));
    const missing = [...named].filter((id) => !listed.has(id));
    const extra = [...listed].filter((id) => !named.has(id));
    if (missing.length > 0) findings.push({ notificationId: digestId, detail: `items digested into it but not in it: ${missing.join(', ')}` });
    if (extra.length > 0) findings.push({ notificationId: digestId, detail: `lists items that name another digest or none: ${extra.join(', ')}` });
  }
  return findings;
}
