import {
  DependencyUnavailableError,
  Headers,
  type HeaderMap,
  type Logger,
  type Output,
} from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import {
  acceptNotification,
  type AcceptedResponse,
  type AcceptOutcome,
  type AcceptPorts,
  type IdempotencyClaims,
  type RecipientDirectory,
  type TemplateCatalog,
  type TenantDirectory,
} from '../domain/accept-notification.js';
import { acceptedOutputs } from './accepted-outputs.js';
import { reacceptedOutputs } from './reaccepted-outputs.js';

/** The response recorded for an idempotency key. */
export interface StoredAcceptance extends AcceptedResponse {
  /** The Kafka record (`topic/partition/offset`) that accepted the request; absent for REST. */
  origin?: string;
}

export interface IdempotencyStore extends IdempotencyClaims {
  complete(tenantId: string, key: string, response: StoredAcceptance): Promise<void>;
  release(tenantId: string, key: string): Promise<void>;
}

export interface TimelineWriter {
  appendStatuses(events: readonly NotificationStatusEvent[]): Promise<boolean[]>;
}

/** Produces records outside a consume loop (OutputPublisher.publish). */
export type PublishOutputs = (outputs: Output[], common: HeaderMap) => Promise<void>;

export interface IntakeDependencies {
  tenants: TenantDirectory;
  recipients: RecipientDirectory;
  templates: TemplateCatalog;
  idempotency: IdempotencyStore;
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

export type RecordAcceptance =
  /** Outputs to produce in the record's transaction: empty for a duplicate of an earlier request. */
  | { kind: 'accepted' | 'duplicate'; outputs: Output[] }
  | Extract<AcceptOutcome, { kind: 'in-flight' | 'rejected' }>;

const DEFAULT_TIMELINE_SYNC_MAX_RECIPIENTS = 10;

/**
 * The one accept path of REST and Kafka requests: the domain's accept use case over the stores, then
 * publishing, then recording the key's response. Notification ids are deterministic, so a request
 * published twice (a crash between publishing and completing the key) carries the same ids both times.
 */
export class Intake {
  private readonly ports: AcceptPorts;

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
   * Accepts a REST request and publishes it before answering. A failed publish gives the key up again,
   * so the client's retry is accepted rather than told the request is in flight.
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
      await this.deps.publish(acceptedOutputs(outcome.notifications, outcome.statusEvents), {
        [Headers.TRACEPARENT]: command.traceparent,
      });
    } catch (err) {
      await this.release(command.tenantId, idempotencyKey);
      throw new DependencyUnavailableError('kafka', { cause: err });
    }
    if (
      outcome.statusEvents.length <=
      (this.deps.timelineSyncMaxRecipients ?? DEFAULT_TIMELINE_SYNC_MAX_RECIPIENTS)
    ) {
      await this.recordTimeline(outcome.statusEvents);
    }
    try {
      await this.deps.idempotency.complete(command.tenantId, idempotencyKey, outcome.response);
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
   * Accepts a Kafka request; the caller produces the outputs in the record's transaction. The key is
   * completed before that transaction commits, and records which Kafka record accepted it: if the
   * transaction then aborts, the same record comes again, finds its own acceptance and produces the
   * same outputs again, while any other record with that key is a duplicate.
   *
   * `origin` is the record's first position (`topic/partition/offset`); it is also the idempotency key
   * of a request that brings none, so a redelivery fans out to the same notification ids.
   */
  async acceptRecord(body: unknown, origin: string): Promise<RecordAcceptance> {
    const outcome = await acceptNotification(this.ports, {
      body,
      source: 'KAFKA',
      newIdempotencyKey: () => origin,
    });
    switch (outcome.kind) {
      case 'accepted': {
        const tenantId = outcome.notifications[0]!.tenantId;
        const { idempotencyKey } = outcome.response;
        try {
          await this.deps.idempotency.complete(tenantId, idempotencyKey, { ...outcome.response, origin });
        } catch (err) {
          await this.release(tenantId, idempotencyKey);
          throw err;
        }
        return { kind: 'accepted', outputs: acceptedOutputs(outcome.notifications, outcome.statusEvents) };
      }
      case 'duplicate': {
        const stored = outcome.response as StoredAcceptance;
        if (stored.origin !== origin) return { kind: 'duplicate', outputs: [] };
        return { kind: 'accepted', outputs: reacceptedOutputs(body, stored, 'KAFKA') };
      }
      default:
        return outcome;
    }
  }

  private async release(tenantId: string, idempotencyKey: string): Promise<void> {
    try {
      await this.deps.idempotency.release(tenantId, idempotencyKey);
    } catch (err) {
      // The claim's lease passes on its own.
      this.deps.logger.warn({ err, tenantId, idempotencyKey }, 'could not release an idempotency claim');
    }
  }

  /**
   * Read-your-writes for API clients: the status tracker records the same events from
   * notify.status.v1, and a recorded event is not added twice, so a failure here only delays them.
   */
  private async recordTimeline(events: readonly NotificationStatusEvent[]): Promise<void> {
    try {
      await this.deps.timeline.appendStatuses(events);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not record ACCEPTED events; the status tracker will');
    }
  }
}
