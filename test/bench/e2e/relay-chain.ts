import { createTopics } from '../../support/kafka.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { uniqueName } from '../../support/stack-env.js';
import { produceNotifications, type RelayTopics } from '../../runtime/relay-harness.js';
import { OutputCollector } from '../lib/output-collector.js';
import { cpuMs, sampleRss } from '../lib/process-sampler.js';
import { BARE_RELAY_ENTRY } from '../lib/relay-variant.js';
import { stopProcess } from '../lib/run-variant.js';
import { isReady, pollUntil } from '../lib/waiting.js';
import { steadyRate } from './steady-rate.js';

export interface RelayChainOptions {
  hops: number;
  records: number;
  partitions: number;
  readyTimeoutMs: number;
  timeoutMs: number;
}

export interface RelayChainResult {
  hops: number;
  partitions: number;
  records: number;
  /** How long producing the records into the first topic took. */
  produceSeconds?: number;
  /** From the first record produced to the last one read at the end of the chain. */
  seconds?: number;
  recordsPerSecond?: number;
  /** Arrival rate at the end of the chain between its 10th and 90th percentile arrivals. */
  steadyPerSecond?: number;
  delivered: number;
  duplicates: number;
  /** Per relay, in chain order. */
  cpuSeconds: number[];
  peakRssMb: number[];
  error?: string;
}

/**
 * The reference: `hops` bare kafkajs relays (test/fixtures/bare-relay.ts), each reading the previous
 * one's output topic, over fresh topics. Records are produced into the first topic up front; the chain's
 * rate is that of its slowest hop on this broker and machine.
 */
export async function runRelayChain(
  o: RelayChainOptions,
  track: (p: ServiceProcess) => void,
  log: (msg: string) => void,
): Promise<RelayChainResult> {
  const result: RelayChainResult = {
    hops: o.hops,
    partitions: o.partitions,
    records: o.records,
    delivered: 0,
    duplicates: 0,
    cpuSeconds: [],
    peakRssMb: [],
  };
  const topics = Array.from({ length: o.hops + 1 }, (_, i) => uniqueName(`bench.chain.${i}`));
  const relays: ServiceProcess[] = [];
  let collector: OutputCollector | undefined;
  const samplers: Array<ReturnType<typeof sampleRss>> = [];
  try {
    await createTopics(topics, o.partitions);
    collector = await OutputCollector.start(topics[o.hops]!, o.partitions);
    for (let i = 0; i < o.hops; i++) {
      const relay = await startServiceProcess(`bare-relay-hop${i + 1}`, BARE_RELAY_ENTRY, {
        TEST_INPUT_TOPIC: topics[i]!,
        TEST_OUTPUT_TOPIC: topics[i + 1]!,
        TEST_GROUP_ID: uniqueName(`bench-chain-${i}`),
        TEST_PARTITIONS: String(o.partitions),
        INSTANCE_ID: `bench-chain-${i}`,
      });
      track(relay);
      relays.push(relay);
      samplers.push(sampleRss(relay.child.pid!));
    }
    await Promise.all(
      relays.map((r) =>
        pollUntil(`relay ${r.name} readiness`, () => isReady(r.adminPort), { timeoutMs: o.readyTimeoutMs }),
      ),
    );
    // Every relay is up before the first record goes in, so start-up work is not measured.
    const cpuStart = relays.map((r) => cpuMs(r.child.pid!) ?? 0);
    log(`${o.hops} bare relays over ${topics[0]} … ${topics[o.hops]}; producing ${o.records} records`);
    const start = Date.now();
    await produceNotifications({ input: topics[0]!, partitions: o.partitions } as RelayTopics, o.records);
    result.produceSeconds = (Date.now() - start) / 1000;
    const c = collector;
    await pollUntil('relay chain', () => c.distinct >= o.records, { timeoutMs: o.timeoutMs });
    const arrivals = c.range(0, o.records).map((r) => r.receivedAt);
    const last = Math.max(...arrivals);
    result.seconds = (last - start) / 1000;
    result.recordsPerSecond = o.records / result.seconds;
    result.steadyPerSecond = steadyRate(arrivals);
    result.cpuSeconds = relays.map((r, i) => ((cpuMs(r.child.pid!) ?? 0) - cpuStart[i]!) / 1000);
  } catch (err) {
    result.error = (err as Error).message;
    log(`failed: ${result.error}`);
  } finally {
    for (const s of samplers) s.stop();
    result.peakRssMb = samplers.map((s) => Math.round(s.peakMb()));
    await Promise.all(relays.map(stopProcess));
    if (collector) {
      result.delivered = collector.distinct;
      result.duplicates = collector.duplicates;
      await collector.stop().catch(() => undefined);
    }
  }
  return result;
}
