import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.js';

/** Periodically sets the consumer-lag gauge: partition end offset minus the group's committed offset. */
export function startLagMonitor(
  admin: Admin,
  groupId: string,
  topics: string[],
  metrics: RuntimeMetrics,
  service: string,
  intervalMs: number,
  logger: Logger,
): () => void {
  const measure = async () => {
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          const c = partitions.find((p) => p.partition === end.partition);
          const committedOffset = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
          metrics.consumerLag.set({ service, topic, partition: String(end.partition) }, Math.max(0, Number(end.high) - committedOffset));
        }
      }
    } catch (err) {
      logger.debug({ err }, 'lag measurement failed');
    }
  };
  const timer = setInterval(() => void measure(), intervalMs);
  timer.unref();
  void measure();
  return () => clearInterval(timer);
}
