import { statusEvent } from '@notify/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTrackerMetrics, recordEventMetrics } from './tracker-metrics.js';

const subject = { notificationId: 'n1', tenantId: 't', userId: 'u' };

describe('recordEventMetrics', () => {
  it('counts events by status, provider and channel, and failovers by the providers on both sides', async () => {
    const registry = new Registry();
    const metrics = createTrackerMetrics(registry);
    recordEventMetrics(metrics, 'status-tracker', statusEvent(subject, 'channel-router', 'ROUTED', 1, { channel: 'EMAIL', provider: 'sendgrid' }));
    recordEventMetrics(metrics, 'status-tracker', statusEvent(subject, 'sender-sendgrid', 'ROUTED', 2, { channel: 'EMAIL', provider: 'ses', attributes: { failoverFrom: 'sendgrid' } }));
    recordEventMetrics(metrics, 'status-tracker', statusEvent(subject, 'sender-ses', 'SENT', 3, { channel: 'EMAIL', provider: 'ses' }));
    recordEventMetrics(metrics, 'status-tracker', statusEvent(subject, 'status-tracker', 'OPENED', 4, { channel: 'EMAIL', provider: 'ses' }));
    recordEventMetrics(metrics, 'status-tracker', statusEvent(subject, 'ingest', 'ACCEPTED', 0));

    const text = await registry.metrics();
    expect(text).toContain('notify_status_events_total{service="status-tracker",status="SENT",provider="ses",channel="EMAIL"} 1');
    expect(text).toContain('notify_status_events_total{service="status-tracker",status="OPENED",provider="ses",channel="EMAIL"} 1');
    expect(text).toContain('notify_status_events_total{service="status-tracker",status="ACCEPTED",provider="",channel=""} 1');
    expect(text).toContain('notify_status_events_total{service="status-tracker",status="ROUTED",provider="sendgrid",channel="EMAIL"} 1');
    expect(text).toContain('notify_provider_failovers_total{from="sendgrid",to="ses"} 1');
    expect(text.match(/^notify_provider_failovers_total\{/gm)).toHaveLength(1);
  });
});
