import { Headers } from './headers.js';
import type { RecordContext } from './processor.js';

/**
 * Where a record first entered its stage, as `topic/partition/offset`: the same for every attempt of it
 * across the retry tiers, so it names the record for idempotent effects. A record on a retry tier
 * is traced back to its source through the headers the runtime keeps across tiers; those headers are
 * trusted only there, so a record produced with copied headers cannot pass for another one.
 */
export function recordOrigin(
  context: Pick<RecordContext, 'topic' | 'partition' | 'offset' | 'headers'>,
  inputTopic: string,
): string {
  if (context.topic !== inputTopic) {
    const topic = context.headers[Headers.SOURCE_TOPIC];
    const partition = context.headers[Headers.SOURCE_PARTITION];
    const offset = context.headers[Headers.SOURCE_OFFSET];
    if (topic && partition && offset) return `${topic}/${partition}/${offset}`;
  }
  return `${context.topic}/${context.partition}/${context.offset}`;
}
