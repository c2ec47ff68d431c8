import { describe, expect, it } from 'vitest';
import { PauseDetector } from './pause-detector.js';

describe('PauseDetector', () => {
  it('tells work begun before a pause past the limit from work begun after it, without waiting for a tick', () => {
    let t = 0;
    const pauses: number[] = [];
    const detector = new PauseDetector(10_000, () => t, (ms) => pauses.push(ms));
    t = 500;
    const before = detector.mark();
    t = 9_000; // busy, but under the limit
    expect(detector.pausedSince(before)).toBe(false);
    t = 25_000; // stood still for 16 s
    expect(detector.pausedSince(before)).toBe(true);
    expect(pauses).toEqual([16_000]);
    const after = detector.mark();
    t = 26_000;
    expect(detector.pausedSince(after)).toBe(false);
    expect(detector.pausedSince(before)).toBe(true);
  });
});
