import path from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';
import { REPO_ROOT } from '../../support/stack-env.js';
import { startRelay, type RelayTopics } from '../../runtime/relay-harness.js';

export const BARE_RELAY_ENTRY = path.join(REPO_ROOT, 'test', 'fixtures', 'bare-relay.ts');

export interface RelayVariant {
  /** Short id used in topic names and the report. */
  id: string;
  label: string;
  /** Whether duplicates are a failure (exactly-once) or only reported (at-least-once). */
  exactlyOnce: boolean;
  start(t: RelayTopics): Promise<ServiceProcess>;
}

// The runtime's production interval, not the 2 s the integration tests use.
const RUNTIME_ENV = { LAG_INTERVAL_MS: '15000' };

export const RELAY_VARIANTS: readonly RelayVariant[] = [
  {
    id: 'eos',
    label: 'runtime exactly-once',
    exactlyOnce: true,
    start: (t) => startRelay(t, { ...RUNTIME_ENV, TEST_DELIVERY: 'exactly-once', INSTANCE_ID: 'bench-eos' }),
  },
  {
    id: 'alo',
    label: 'runtime at-least-once',
    exactlyOnce: false,
    start: (t) => startRelay(t, { ...RUNTIME_ENV, TEST_DELIVERY: 'at-least-once', INSTANCE_ID: 'bench-alo' }),
  },
  {
    id: 'bare',
    label: 'bare kafkajs',
    exactlyOnce: false,
    start: (t) =>
      startServiceProcess('bare-relay', BARE_RELAY_ENTRY, {
        TEST_INPUT_TOPIC: t.input,
        TEST_OUTPUT_TOPIC: t.output,
        TEST_GROUP_ID: t.groupId,
        TEST_PARTITIONS: String(t.partitions),
        INSTANCE_ID: 'bench-bare',
      }),
  },
];
