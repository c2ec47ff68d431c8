import { describe, expect, it } from 'vitest';
import { sliceRounds } from './slice-rounds.js';

interface Item {
  lane: string;
  delivery: string;
}

const rounds = (items: Item[]) =>
  sliceRounds(
    items,
    (i) => i.lane,
    (i) => i.delivery,
  );

describe('sliceRounds', () => {
  it('keeps a slice without repeated deliveries in one round', () => {
    expect(rounds([{ lane: 'a', delivery: 'n1' }, { lane: 'b', delivery: 'n2' }, { lane: 'a', delivery: 'n3' }])).toEqual([[0, 1, 2]]);
    expect(rounds([])).toEqual([]);
  });

  it('puts each repeat of a delivery in a later round than the one before it', () => {
    expect(rounds([{ lane: 'a', delivery: 'n1' }, { lane: 'b', delivery: 'n2' }, { lane: 'a', delivery: 'n1' }, { lane: 'a', delivery: 'n1' }])).toEqual([[0, 1], [2], [3]]);
  });

  it('moves the rest of a lane after a repeat, so no dispatch of a recipient overtakes an earlier one', () => {
    const items = [
      { lane: 'a', delivery: 'n1' },
      { lane: 'a', delivery: 'n1' },
      { lane: 'a', delivery: 'n2' },
      { lane: 'b', delivery: 'n3' },
    ];
    expect(rounds(items)).toEqual([[0, 3], [1, 2]]);
  });
});
