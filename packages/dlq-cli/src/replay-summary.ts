import { keyText, type DlqEntry } from './dlq-entry.js';
import type { EntryPlan, RefusalReason } from './replay-plan.js';

export interface ReplayedEntry {
  partition: number;
  offset: string;
  key: string | null;
  target: string;
  notificationId?: string;
}

export interface RefusedEntry extends ReplayedEntry {
  reason: RefusalReason;
  message: string;
}

export type ReplayOutcome = 'completed' | 'limit-reached' | 'interrupted';

export interface ReplaySummary {
  /** Null for a dry run without a name. */
  name: string | null;
  dlqTopic: string;
  dryRun: boolean;
  outcome: ReplayOutcome;
  /** Entries published and committed by this run (0 on a dry run). */
  published: number;
  /** On a dry run: entries a real run would publish. */
  wouldPublish: number;
  publishedByTarget: Record<string, number>;
  refused: number;
  refusedByReason: Partial<Record<RefusalReason, number>>;
  refusedEntries: RefusedEntry[];
  skippedByFilter: number;
  /** On a dry run: what would be published. */
  plannedEntries: ReplayedEntry[];
  elapsedMs: number;
}

/** Counts what a replay did; only entries whose batch committed are added. */
export class ReplayTally {
  private publishCount = 0;
  private skipped = 0;
  private readonly byTarget: Record<string, number> = {};
  private readonly refused: RefusedEntry[] = [];
  private readonly planned: ReplayedEntry[] = [];

  constructor(private readonly dryRun: boolean) {}

  /** Entries in the replay's scope so far: published (or to be) and refused. */
  get matched(): number {
    return this.publishCount + this.refused.length;
  }

  add(entry: DlqEntry, plan: EntryPlan): void {
    if (plan.kind === 'skip') {
      this.skipped++;
      return;
    }
    const view: ReplayedEntry = {
      partition: entry.partition,
      offset: entry.offset,
      key: keyText(entry),
      target: plan.target,
      ...(plan.notificationId === undefined ? {} : { notificationId: plan.notificationId }),
    };
    if (plan.kind === 'refuse') {
      this.refused.push({ ...view, reason: plan.reason, message: plan.message });
      return;
    }
    this.publishCount++;
    this.byTarget[plan.target] = (this.byTarget[plan.target] ?? 0) + 1;
    if (this.dryRun) this.planned.push(view);
  }

  /** `published 12 refused 1 skipped 3` for the progress line. */
  brief(): string {
    return `${this.dryRun ? 'would publish' : 'published'} ${this.publishCount} refused ${this.refused.length} skipped ${this.skipped}`;
  }

  summary(name: string | null, dlqTopic: string, outcome: ReplayOutcome, elapsedMs: number): ReplaySummary {
    const refusedByReason: Partial<Record<RefusalReason, number>> = {};
    for (const r of this.refused) refusedByReason[r.reason] = (refusedByReason[r.reason] ?? 0) + 1;
    return {
      name,
      dlqTopic,
      dryRun: this.dryRun,
      outcome,
      published: this.dryRun ? 0 : this.publishCount,
      wouldPublish: this.dryRun ? this.publishCount : 0,
      publishedByTarget: { ...this.byTarget },
      refused: this.refused.length,
      refusedByReason,
      refusedEntries: [...this.refused],
      skippedByFilter: this.skipped,
      plannedEntries: [...this.planned],
      elapsedMs,
    };
  }
}

function entryRef(e: ReplayedEntry): string {
  return `[${e.partition}]@${e.offset} key=${e.key ?? '(null)'}${e.notificationId ? ` id=${e.notificationId}` : ''}`;
}

/** The human-readable end of a replay. */
export function formatReplaySummary(s: ReplaySummary): string {
  const lines: string[] = [];
  const head = s.dryRun
    ? `dry run of ${s.name === null ? 'a replay' : `replay "${s.name}"`} on ${s.dlqTopic} (nothing published, no progress kept)`
    : `replay "${s.name}" on ${s.dlqTopic}`;
  lines.push(`${head}: ${s.outcome}`);
  if (s.dryRun) {
    for (const e of s.plannedEntries) lines.push(`  would publish ${entryRef(e)} -> ${e.target}`);
  }
  const count = s.dryRun ? s.wouldPublish : s.published;
  const targets = Object.entries(s.publishedByTarget)
    .map(([t, n]) => `${t}: ${n}`)
    .join(', ');
  lines.push(`  ${s.dryRun ? 'would publish' : 'published'}: ${count}${targets ? ` (${targets})` : ''}`);
  const reasons = Object.entries(s.refusedByReason)
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ');
  lines.push(`  refused: ${s.refused}${reasons ? ` (${reasons})` : ''}`);
  for (const r of s.refusedEntries)
    lines.push(`    ${entryRef(r)} -> ${r.target}: ${r.reason}: ${r.message}`);
  lines.push(`  skipped by filter: ${s.skippedByFilter}`);
  lines.push(`  elapsed: ${(s.elapsedMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
