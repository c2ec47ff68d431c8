/**
 * Splits a slice into rounds run one after the other, so that a delivery seen twice in one slice is
 * looked up again once its first occurrence is settled: the second finds the first's "sent" mark instead
 * of taking the first's claim for its own. A lane (one recipient) never has a dispatch overtake an
 * earlier one: once a lane moves to a later round, the rest of it follows. Returns the indexes of
 * `items` per round, each in input order.
 */
export function sliceRounds<T>(items: readonly T[], laneOf: (item: T) => string, deliveryOf: (item: T) => string): number[][] {
  const rounds: number[][] = [];
  const laneRound = new Map<string, number>();
  const deliveryRound = new Map<string, number>();
  items.forEach((item, i) => {
    const lane = laneOf(item);
    const delivery = deliveryOf(item);
    const seen = deliveryRound.get(delivery);
    const round = Math.max(laneRound.get(lane) ?? 0, seen === undefined ? 0 : seen + 1);
    laneRound.set(lane, round);
    deliveryRound.set(delivery, round);
    (rounds[round] ??= []).push(i);
  });
  return rounds;
}
