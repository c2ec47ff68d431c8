// The pipeline's consumer groups have fixed names (notify.<stage>): another pipeline on the broker would
// share this run's partitions, and records earlier runs left behind would be worked off inside this one.
// Before the launch: wait for the groups to be free and move them past abandoned records (the helpers of
// the e2e benchmark); during and after: find members that are not this run's.
import { Kafka, logLevel } from 'kafkajs';
import { SERVICE_NAMES } from '../../scripts/pipeline/launch.js';
import { foreignMembers, serviceGroups, skipAbandonedBacklog, waitForFreeGroups, type GroupMember } from '../bench/e2e/group-sharing.js';

export interface GroupPreparation {
  /** Members of another pipeline still in the groups when the wait ended. */
  shared: GroupMember[];
  /** Records of earlier runs skipped, by group. */
  skipped: Record<string, number>;
}

function client(brokers: string[]) {
  return new Kafka({ clientId: 'chaos-groups', brokers, logLevel: logLevel.NOTHING });
}

function admin(brokers: string[]) {
  return client(brokers).admin();
}

export async function preparePipelineGroups(brokers: string[], retryTiers: number, waitMs: number, log: (msg: string) => void): Promise<GroupPreparation> {
  const kafka = client(brokers);
  const a = kafka.admin();
  await a.connect();
  try {
    const shared = await waitForFreeGroups(a, waitMs, log);
    const skipped = await skipAbandonedBacklog(kafka, a, serviceGroups(SERVICE_NAMES, retryTiers));
    return { shared, skipped };
  } finally {
    await a.disconnect();
  }
}

/** Members of the pipeline groups whose client id does not start with `ourPrefix`. */
export async function otherPipelineMembers(brokers: string[], ourPrefix: string): Promise<GroupMember[]> {
  const a = admin(brokers);
  await a.connect();
  try {
    return await foreignMembers(a, ourPrefix);
  } finally {
    await a.disconnect();
  }
}
