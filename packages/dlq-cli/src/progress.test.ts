import { describe, expect, it } from 'vitest';
import { renderProgressLine, silentProgress, terminalProgress } from './progress.js';

describe('progress', () => {
  it('renders a bar with percentage, counts and detail', () => {
    expect(renderProgressLine(5, 10, 'published 4', 10)).toBe('[#####.....]  50% 5/10 published 4');
    expect(renderProgressLine(0, 0, '', 4)).toBe('[####] 100% 0/0');
  });

  it('stays silent when the stream is not a terminal', () => {
    expect(terminalProgress({ isTTY: false, write: () => true })).toBe(silentProgress);
  });

  it('redraws one line in place on a terminal, at most every 100 ms, and ends it', () => {
    const out: string[] = [];
    let now = 0;
    const p = terminalProgress({ isTTY: true, columns: 60, write: (s: string) => out.push(s) }, () => now);
    p.update(1, 10);
    now = 50;
    p.update(2, 10); // too soon: kept for later
    now = 200;
    p.update(3, 10);
    p.update(10, 10); // the last one is always drawn
    p.stop();
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).every((s) => s.startsWith('\r') && s.length === 60)).toBe(true);
    expect(out[2]).toContain('10/10');
    expect(out[3]).toBe('\n');
  });
});
