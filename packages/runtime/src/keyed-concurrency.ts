/**
 * Runs `fn` over `items` with at most `limit` calls in flight, where items of the same key run one after
 * the other in their original order (Kafka's per-key ordering, kept within a slice). Items whose key is
 * null are independent of every other item. Results come back in input order.
 */
export async function mapByKey<T, R>(
  items: readonly T[],
  keyOf: (item: T) => string | null,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const lanes: number[][] = [];
  const laneOf = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const lane = key === null ? undefined : laneOf.get(key);
    if (lane) {
      lane.push(i);
      return;
    }
    const fresh = [i];
    lanes.push(fresh);
    if (key !== null) laneOf.set(key, fresh);
  });
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lanes.length) {
      for (const i of lanes[next++]!) results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), lanes.length) }, worker));
  return results;
}
