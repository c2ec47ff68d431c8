// Reads notify.status.v1 with read_committed from where it ended when the run began, keeping the run
// tenant's events by notification. Survives broker restarts (a crashed consumer is made again and resumes
// from its committed offsets; events are kept once per partition/offset).
import { AvroSerde } from '@notify/runtime';
import { Topics, type Channel, type NotificationStatus, type NotificationStatusEvent } from '@notify/schemas';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

export interface StatusRecord {
  notificationId: string;
  status: NotificationStatus;
  stage: string;
  channel: Channel | null;
  provider: string | null;
  reason: string | null;
  occurredAt: number;
  attributes: Record<string, string>;
  partition: number;
  offset: string;
}

export interface StatusCollectorOptions {
  brokers: string[];
  registryUrl: string;
  tenantId: string;
  log: (msg: string) => void;
}

const RECREATE_DELAY_MS = 2_000; // 2 s

export class StatusCollector {
  readonly byNotification = new Map<string, StatusRecord[]>();
  private readonly seen = new Set<string>();
  private readonly kafka: Kafka;
  private readonly serde: AvroSerde;
  private readonly groupId: string;
  private consumer?: Consumer;
  private stopped = false;
  /** When the last event of the tenant arrived (epoch ms). */
  lastEventAt = Date.now();
  events = 0;
  undecodable = 0;
  recreated = 0;

  constructor(private readonly options: StatusCollectorOptions) {
    this.kafka = new Kafka({ clientId: 'chaos-status', brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, maxRetryTime: 5_000 } });
    this.serde = new AvroSerde({ url: options.registryUrl });
    this.groupId = `chaos-status-${options.tenantId}`;
  }

  /** Starts reading from the current end of the topic; resolves once the consumer runs. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(Topics.status.name);
      await admin.setOffsets({ groupId: this.groupId, topic: Topics.status.name, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    } finally {
      await admin.disconnect();
    }
    await this.run();
  }

  private async run(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 500, sessionTimeout: 30_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart || this.stopped) return;
      this.options.log(`status reader crashed (${e.payload.error.message}); reading on with a new consumer`);
      this.recreated += 1;
      setTimeout(() => void this.run().catch((err: Error) => this.options.log(`status reader restart failed: ${err.message}`)), RECREATE_DELAY_MS);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.status.name, fromBeginning: false });
    await consumer.run({
      autoCommitInterval: 2_000,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          const id = `${batch.partition}:${message.offset}`;
          if (!this.seen.has(id)) {
            this.seen.add(id);
            await this.keep(message.value, batch.partition, message.offset);
          }
          resolveOffset(message.offset);
        }
        await heartbeat();
      },
    });
  }

  private async keep(value: Buffer | null, partition: number, offset: string): Promise<void> {
    let event: NotificationStatusEvent;
    try {
      event = await this.serde.decode<NotificationStatusEvent>(Topics.status.schema, value);
    } catch {
      this.undecodable += 1;
      return;
    }
    if (event.tenantId !== this.options.tenantId) return;
    const record: StatusRecord = {
      notificationId: event.notificationId,
      status: event.status,
      stage: event.stage,
      channel: event.channel,
      provider: event.provider,
      reason: event.reason,
      occurredAt: event.occurredAt,
      attributes: event.attributes,
      partition,
      offset,
    };
    const list = this.byNotification.get(event.notificationId);
    if (list) list.push(record);
    else this.byNotification.set(event.notificationId, [record]);
    this.events += 1;
    this.lastEventAt = Date.now();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
