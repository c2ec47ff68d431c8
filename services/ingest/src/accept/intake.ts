import {
  DependencyUnavailableError,
  Headers,
  type HeaderMap,
  type Logger,
  type Output,
} from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import {
  claimBatch,
  settleBatch,
  type BatchAcceptPorts,
  type BatchEffects,
  type ClaimedRequest,
} from '../domain/accept-batch.js';
import { acceptNotification, type AcceptOutcome } from '../domain/accept-notification.js';
import {
  acceptRecords,
  type RecordAcceptPorts,
  type RecordOutcome,
  type RecordToAccept,
  type Settled,
} from '../domain/accept-records.js';
import type { IdempotencyLedger } from '../domain/idempotency.js';
import type { RecipientDirectory, TemplateCatalog, TenantDirectory } from '../domain/references.js';
import { acceptedOutputs } from './accepted-outputs.js';
import { reacceptedOutputs } from './reaccepted-outputs.js';

export interface TimelineWriter {
  /** Records events on the notifications' timelines, in one write; a recorded event is not added twice. */
  appendEvents(events: readonly NotificationStatusEvent[]): Promise<boolean[]>;
}

/** Produces records outside a consume loop (OutputPublisher.publish). */
export type PublishOutputs = (outputs: Output[], common: HeaderMap) => Promise<void>;

export interface IntakeDependencies {
  tenants: TenantDirectory;
  recipients: RecipientDirectory;
  templates: TemplateCatalog;
  idempotency: IdempotencyLedger;
  /** Where REST acceptances are published. */
  publish: PublishOutputs;
  /** The notifications' timelines; small REST acceptances record their ACCEPTED events here at once. */
  timeline: TimelineWriter;
  /**
   * REST requests with at most this many recipients record their ACCEPTED events before answering, so
   * that a GET right after the 202 finds them (one write for all of them). Larger ones are left to the
   * status tracker, so a large fan-out is not held up by its timeline. 0 never records.
   */
  timelineSyncMaxRecipients?: number;
  logger: Logger;
  /** Epoch millis. */
  now?: () => number;
}

export interface RestAcceptCommand {
  body: unknown;
  /** The API key's tenant. */
  tenantId: string;
  /** W3C trace context for the produced records. */
  traceparent: string;
}

export interface RestBatchCommand {
  /** One REST body per item. */
  bodies: readonly unknown[];
  /** The API key's tenant. */
  tenantId: string;
  /** W3C trace context for the produced records. */
  traceparent: string;
}

export type RecordAcceptance =
  /** Outputs to produce in the record's transaction: empty for a duplicate of an earlier request. */
  | { kind: 'accepted' | 'duplicate'; outputs: Output[] }
  | Extract<RecordOutcome, { kind: 'in-flight' | 'rejected' }>;

const DEFAULT_TIMELINE_SYNC_MAX_RECIPIENTS = 10;

/**
 * The accept paths of REST and Kafka requests over the stores: the domain's use cases, then publishing
 * and recording the key's response. Both derive notification ids from (tenant, idempotency key,
 * recipient), so a request published twice carries the same ids both times, and both record their keys
 * in one store, so a REST and a Kafka request with the same key are deduplicated against each other.
 */
export class Intake {
  private readonly ports: RecordAcceptPorts & BatchAcceptPorts;

  constructor(private readonly deps: IntakeDependencies) {
    this.ports = {
      tenants: deps.tenants,
      recipients: deps.recipients,
      templates: deps.templates,
      idempotency: deps.idempotency,
      ...(deps.now ? { now: deps.now } : {}),
    };
  }

  /**
   * Accepts a REST request and publishes it before answering: claim, publish, timeline, complete. A
   * failed publish gives the key up again, so the client's retry is accepted rather than told the
   * request is in flight.
   */
  async acceptRest(command: RestAcceptCommand): Promise<AcceptOutcome> {
    const outcome = await acceptNotification(this.ports, {
      body: command.body,
      source: 'REST',
      tenantId: command.tenantId,
    });
    if (outcome.kind !== 'accepted') return outcome;
    const { idempotencyKey } = outcome.response;
    try {
      await this.deps.publish(acceptedOutputs(outcome.notifications, outcome.statusEvents, outcome.expansion), {
        [Headers.TRACEPARENT]: command.traceparent,
      });
    } catch (err) {
      await this.release(command.tenantId, idempotencyKey, outcome.claimId);
      throw new DependencyUnavailableError('kafka', { cause: err });
    }
    if (this.timelineSync(outcome.statusEvents)) await this.recordTimeline(outcome.statusEvents);
    try {
      await this.deps.idempotency.complete(
        command.tenantId,
        idempotencyKey,
        outcome.claimId,
        outcome.response,
      );
    } catch (err) {
      // The notifications are on their way: the client is told so. Until the claim's lease passes a
      // repeat is answered 409; after it, a repeat publishes again under the same notification ids.
      this.deps.logger.error(
        { err, tenantId: command.tenantId, idempotencyKey },
        'accepted, but its idempotency key could not be completed',
      );
    }
    return outcome;
  }

  /**
   * Accepts the items of a REST batch together, each as acceptRest would accept it alone: their keys
   * claimed in one write, all claimed items published in one call, their ACCEPTED events (those with few
   * recipients) recorded in one write and their keys completed in one write; when publishing fails, their
   * claims are given up in one write. One result per item, in order: its outcome, or the Error acceptRest
   * would have thrown.
   */
  async acceptRestBatch(command: RestBatchCommand): Promise<Array<Settled<AcceptOutcome>>> {
    const batch = await claimBatch(this.ports, { bodies: command.bodies, tenantId: command.tenantId });
    return settleBatch(batch, await this.publishClaimed(batch.claimed, command));
  }

  /**
   * Accepts a slice of Kafka requests; the caller produces each one's outputs in the slice's
   * transaction. Each key is recorded with the Kafka record (`origin`, its first `topic/partition/offset`)
   * that accepted it before that transaction commits: if the transaction then aborts, the same record
   * comes again, finds its own acceptance and produces the same outputs again, while any other record
   * with that key is a duplicate. `origin` is also the idempotency key of a request that brings none, so
   * a redelivery fans out to the same notification ids.
   *
   * One result per record, in order; an Error fails that record alone, a throw the whole slice.
   */
  async acceptRecords(records: readonly RecordToAccept[]): Promise<Array<Settled<RecordAcceptance>>> {
    const outcomes = await acceptRecords(this.ports, records);
    return outcomes.map((outcome, i) => {
      if (outcome instanceof Error) return outcome;
      switch (outcome.kind) {
        case 'accepted':
          return { kind: 'accepted', outputs: acceptedOutputs(outcome.notifications, outcome.statusEvents, outcome.expansion) };
        case 'reaccepted':
          return {
            kind: 'accepted',
            outputs: reacceptedOutputs(records[i]!.body, outcome.response, 'KAFKA'),
          };
        case 'duplicate':
          return { kind: 'duplicate', outputs: [] };
        default:
          return outcome;
      }
    });
  }

  private async publishClaimed(
    claimed: readonly ClaimedRequest[],
    command: RestBatchCommand,
  ): Promise<BatchEffects> {
    if (claimed.length === 0) return { completed: [] };
    try {
      await this.deps.publish(
        claimed.flatMap((c) => acceptedOutputs(c.notifications, c.statusEvents, c.expansion)),
        { [Headers.TRACEPARENT]: command.traceparent },
      );
    } catch (err) {
      await this.releaseMany(command.tenantId, claimed);
      return { publishFailure: new DependencyUnavailableError('kafka', { cause: err }), completed: [] };
    }
    const events = claimed.filter((c) => this.timelineSync(c.statusEvents)).flatMap((c) => c.statusEvents);
    if (events.length > 0) await this.recordTimeline(events);
    return { completed: await this.completeMany(command.tenantId, claimed) };
  }

  /** Whether a request's ACCEPTED events are recorded before answering (see timelineSyncMaxRecipients). */
  private timelineSync(events: readonly NotificationStatusEvent[]): boolean {
    return events.length <= (this.deps.timelineSyncMaxRecipients ?? DEFAULT_TIMELINE_SYNC_MAX_RECIPIENTS);
  }

  /**
   * Completes the keys of published requests; per request, whether its key is completed. A key left
   * uncompleted is answered like acceptRest's: the request is accepted all the same.
   */
  private async completeMany(tenantId: string, claimed: readonly ClaimedRequest[]): Promise<boolean[]> {
    const keys = claimed.map((c) => c.response.idempotencyKey);
    let completed: boolean[];
    try {
      completed = await this.deps.idempotency.completeMany(
        claimed.map((c, i) => ({ tenantId, key: keys[i]!, claimId: c.claimId, response: c.response })),
      );
    } catch (err) {
      this.deps.logger.error(
        { err, tenantId, idempotencyKeys: keys },
        'accepted, but their idempotency keys could not be completed',
      );
      return claimed.map(() => false);
    }
    const lost = keys.filter((_, i) => !completed[i]);
    if (lost.length > 0) {
      this.deps.logger.error(
        { tenantId, idempotencyKeys: lost },
        'accepted, but their claims on their idempotency keys were lost before completing them',
      );
    }
    return completed;
  }

  private async releaseMany(tenantId: string, claimed: readonly ClaimedRequest[]): Promise<void> {
    try {
      await this.deps.idempotency.releaseMany(
        claimed.map((c) => ({ tenantId, key: c.response.idempotencyKey, claimId: c.claimId })),
      );
    } catch (err) {
      // The claims' leases pass on their own.
      this.deps.logger.warn({ err, tenantId }, 'could not release idempotency claims');
    }
  }

  private async release(tenantId: string, idempotencyKey: string, claimId: string): Promise<void> {
    try {
      await this.deps.idempotency.release(tenantId, idempotencyKey, claimId);
    } catch (err) {
      // The claim's lease passes on its own.
      this.deps.logger.warn({ err, tenantId, idempotencyKey }, 'could not release an idempotency claim');
    }
  }

  /**
   * Read-your-writes for API clients: the timeline only (GET reads the events); the status tracker
   * records the same events from notify.status.v1, adding each notification's summary, and a recorded
   * event is not added twice, so a failure here only delays them.
   */
  private async recordTimeline(events: readonly NotificationStatusEvent[]): Promise<void> {
    try {
      await this.deps.timeline.appendEvents(events);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not record ACCEPTED events; the status tracker will');
    }
  }
}
