import { Headers } from './headers.js';
import { describe, expect, it } from 'vitest';
import { recordOrigin } from './record-origin.js';

const INPUT = 'notify.requests.v1';
const source = {
  [Headers.SOURCE_TOPIC]: INPUT,
  [Headers.SOURCE_PARTITION]: '3',
  [Headers.SOURCE_OFFSET]: '42',
};

describe('recordOrigin', () => {
  it('is the position of a record on the input topic', () => {
    expect(recordOrigin({ topic: INPUT, partition: 1, offset: '7', headers: {} }, INPUT)).toBe(
      `${INPUT}/1/7`,
    );
  });

  it('traces a retry-tier record back to its source', () => {
    expect(
      recordOrigin({ topic: `${INPUT}.retry.2`, partition: 0, offset: '9', headers: source }, INPUT),
    ).toBe(`${INPUT}/3/42`);
  });

  it('ignores source headers on the input topic itself', () => {
    expect(recordOrigin({ topic: INPUT, partition: 1, offset: '7', headers: source }, INPUT)).toBe(
      `${INPUT}/1/7`,
    );
  });

  it('falls back to the retry record position when its source headers are missing', () => {
    expect(recordOrigin({ topic: `${INPUT}.retry.1`, partition: 0, offset: '9', headers: {} }, INPUT)).toBe(
      `${INPUT}.retry.1/0/9`,
    );
  });
});
