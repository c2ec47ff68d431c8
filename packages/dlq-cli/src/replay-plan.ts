import type { Message } from 'kafkajs';
import type { DlqEntry } from './dlq-entry.js';
import type { EntryDecoder, UnreadableReason } from './entry-decoder.js';
import { matchesFilter, notificationIdOf, type EntryFilter } from './filters.js';
import { replayHeaders } from './replay-headers.js';

export type RefusalReason = UnreadableReason | 'unknown-target-topic';

/** What a replay does with one dead letter. */
export type EntryPlan =
  /** Out of the replay's scope (filters). */
  | { kind: 'skip' }
  /** In scope, but the target topic's schema cannot read its bytes: it stays in the DLQ. */
  | { kind: 'refuse'; target: string; reason: RefusalReason; message: string; notificationId?: string }
  | { kind: 'publish'; target: string; message: Message; notificationId?: string };

export interface PlannerOptions {
  filter: EntryFilter;
  /** Publish here instead of each entry's source topic. */
  target?: string;
  /** Topics that exist; anything else is refused rather than failing the transaction. */
  existingTopics: ReadonlySet<string>;
  clock?: () => number;
}

/**
 * Decides, entry by entry, whether a replay publishes, refuses or skips it. Values are read with the source
 * topic's schema (for the id filter and for reporting) and checked against the target topic's schema, so a
 * record is only ever put back where its consumer can read it.
 */
export class ReplayPlanner {
  private readonly clock: () => number;

  constructor(
    private readonly decoder: EntryDecoder,
    private readonly options: PlannerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async plan(entry: DlqEntry): Promise<EntryPlan> {
    const { filter } = this.options;
    if (!matchesFilter(entry, { ...filter, ids: [] })) return { kind: 'skip' };
    const source = entry.failure.sourceTopic;
    const fromSource = await this.decoder.decodeAs(source, entry.value);
    const notificationId = fromSource.ok ? notificationIdOf(fromSource.value) : undefined;
    if (!matchesFilter(entry, filter, notificationId)) return { kind: 'skip' };
    const idPart = notificationId === undefined ? {} : { notificationId };

    const target = this.options.target ?? source;
    if (!this.options.existingTopics.has(target)) {
      return {
        kind: 'refuse',
        target,
        reason: 'unknown-target-topic',
        message: `target topic ${target} does not exist`,
        ...idPart,
      };
    }
    const forTarget = target === source ? fromSource : await this.decoder.decodeAs(target, entry.value);
    if (!forTarget.ok) {
      return { kind: 'refuse', target, reason: forTarget.reason, message: forTarget.message, ...idPart };
    }
    return {
      kind: 'publish',
      target,
      message: { key: entry.key, value: entry.value, headers: replayHeaders(entry.rawHeaders, this.clock()) },
      ...idPart,
    };
  }
}
