import { describe, expect, it } from 'vitest';
import { assertReplayName, nextAfterBatch, replayGroupId } from './replayer.js';

describe('replayer helpers', () => {
  it('keeps progress in a group named after the replay', () => {
    expect(replayGroupId('fix-2025.01')).toBe('notify.dlq-replay.fix-2025.01');
    expect(() => assertReplayName('fix-2025.01_a')).not.toThrow();
    expect(() => assertReplayName('two words')).toThrow(/--name/);
    expect(() => assertReplayName('')).toThrow(/--name/);
  });

  it("moves a batch's progress past its trailing markers, never past the captured end", () => {
    expect(nextAfterBatch(10n, '10', 20n)).toBe(11n); // nothing after the last entry
    expect(nextAfterBatch(10n, '11', 20n)).toBe(12n); // a commit marker after it
    expect(nextAfterBatch(10n, '30', 15n)).toBe(15n); // records past the end are left for a later run
    expect(nextAfterBatch(10n, '11', undefined)).toBe(12n);
  });
});
