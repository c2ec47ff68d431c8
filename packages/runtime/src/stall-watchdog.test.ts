import { describe, expect, it } from 'vitest';
import { StallWatchdog, type Stall } from './stall-watchdog.js';

function setUp(stallMs = 1_000) {
  let now = 0;
  const stalls: Stall[] = [];
  const dog = new StallWatchdog(stallMs, (s) => stalls.push(s), () => now);
  return { dog, stalls, advance: (ms: number) => (now += ms) };
}

describe('StallWatchdog', () => {
  it('reports a slice none of whose records finished in time, with the offsets still in flight, once', () => {
    const { dog, stalls, advance } = setUp();
    dog.sliceStarted('t:0');
    dog.recordStarted('t:0', '10');
    dog.recordStarted('t:0', '11');
    dog.recordFinished('t:0', '10');
    advance(999);
    dog.check();
    expect(stalls).toEqual([]);
    advance(1);
    dog.check();
    dog.check();
    expect(stalls).toEqual([{ partition: 't:0', idleMs: 1_000, inFlight: ['11'] }]);
  });

  it('counts a finished record as progress, so a long but moving slice is not a stall', () => {
    const { dog, stalls, advance } = setUp();
    dog.sliceStarted('t:1');
    for (let i = 0; i < 10; i++) {
      dog.recordStarted('t:1', String(i));
      advance(900);
      dog.recordFinished('t:1', String(i));
      dog.check();
    }
    expect(stalls).toEqual([]);
  });

  it('forgets an ended slice', () => {
    const { dog, stalls, advance } = setUp();
    dog.sliceStarted('t:2');
    dog.recordStarted('t:2', '1');
    dog.sliceEnded('t:2');
    advance(5_000);
    dog.check();
    expect(stalls).toEqual([]);
  });
});
