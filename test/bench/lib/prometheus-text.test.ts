import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf } from './prometheus-text.js';

const TEXT = `# HELP notify_records_processed_total Records handled, by outcome
# TYPE notify_records_processed_total counter
notify_records_processed_total{service="enrichment",topic="notify.accepted.v1",outcome="success"} 120
notify_records_processed_total{service="enrichment",topic="notify.accepted.v1.retry.1",outcome="success"} 3
notify_records_processed_total{service="enrichment",topic="notify.accepted.v1",outcome="retried"} 2
notify_consumer_lag{service="enrichment",topic="notify.accepted.v1",partition="0"} 7
notify_batch_duration_seconds_sum{service="enrichment"} 1.5e-1
process_start_time_seconds 1700000000
weird{label="a \\"quoted\\" value"} NaN
`;

describe('parsePrometheusText', () => {
  it('reads names, labels and values and skips comments', () => {
    const samples = parsePrometheusText(TEXT);
    expect(samples.find((s) => s.name === 'process_start_time_seconds')?.value).toBe(1_700_000_000);
    expect(samples.find((s) => s.name === 'notify_batch_duration_seconds_sum')?.value).toBeCloseTo(0.15);
    expect(samples.filter((s) => s.name === 'weird')).toHaveLength(0);
  });

  it('sums the samples whose labels match', () => {
    const samples = parsePrometheusText(TEXT);
    expect(sumOf(samples, 'notify_records_processed_total')).toBe(125);
    expect(sumOf(samples, 'notify_records_processed_total', { outcome: 'success' })).toBe(123);
    expect(sumOf(samples, 'notify_consumer_lag', { service: 'enrichment' })).toBe(7);
    expect(sumOf(samples, 'missing')).toBe(0);
  });
});
