import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetricNames } from '../../packages/runtime/src/metric-names.js';
import { alertRules, dashboard, dashboardQueries, metricNamesIn } from '../support/monitoring-queries.js';
import { REPO_ROOT } from '../support/stack-env.js';

interface OpsToolsModule {
  ensureOpsTools(): { promtool: string };
  opsToolsAvailability(): { ok: boolean; reason?: string };
}

const opsModule = (await import(
  pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'ops-tools.mjs')).href
)) as OpsToolsModule;
const availability = opsModule.opsToolsAvailability();
if (!availability.ok) console.warn(`[deploy] skipping the promtool checks: ${availability.reason}`);

const MONITORING = path.join(REPO_ROOT, 'deploy', 'monitoring');
const RULES_FILE = path.join(MONITORING, 'notify-alerts.rules.yaml');
const DASHBOARD_FILE = path.join(MONITORING, 'notify-dashboard.json');
const METRIC_NAMES_FILE = path.join(REPO_ROOT, 'packages', 'runtime', 'src', 'metric-names.ts');

/** prom-client default metrics the dashboard and rules may use. */
const PROM_CLIENT_DEFAULTS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
];
/** Written by Prometheus itself for every scrape target (not by the services): the service-down alert only. */
const SCRAPE_SERIES = ['up'];

/** Exported names, plus the _bucket/_sum/_count series of the histograms (kind read from each doc comment). */
function allowedServiceSeries(): Set<string> {
  const names = new Set<string>(Object.values(MetricNames));
  const source = fs.readFileSync(METRIC_NAMES_FILE, 'utf8');
  for (const m of source.matchAll(/\/\*\*\s*(counter|gauge|histogram)\b[^]*?\*\/\s*\w+:\s*'([^']+)'/g)) {
    if (m[1] === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m[2]}${suffix}`);
  }
  return names;
}

/** Grafana's macros and variables replaced by literals, so promtool can parse the query. */
function asPlainPromQL(expr: string): string {
  return expr
    .replace(/^label_values\((.+),\s*\w+\)$/, '$1')
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?\w+\}?/g, '.*');
}

describe('metric names in the dashboard and the alert rules', () => {
  it('extracts metric names from PromQL', () => {
    expect(
      metricNamesIn(
        'sum by (service, le) (rate(a_total{x="y", z=~"$v"}[$__rate_interval])) / on(job) group_left(pod) b > 1.5e9',
      ),
    ).toEqual(['a_total', 'b']);
    expect(
      metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > 10 and c offset 1h'),
    ).toEqual(['h_bucket', 'c']);
    expect(metricNamesIn('label_values(m{namespace=~"$namespace"}, service)')).toEqual(['m']);
    expect(metricNamesIn('count(max by (provider) (g) == 2) or vector(0)')).toEqual(['g']);
  });

  it('uses only exported metric names and prom-client defaults', () => {
    const allowed = allowedServiceSeries();
    for (const name of PROM_CLIENT_DEFAULTS) allowed.add(name);
    const unknown: string[] = [];
    const used = new Set<string>();
    for (const q of dashboardQueries()) {
      for (const name of metricNamesIn(q.expr)) {
        used.add(name);
        if (!allowed.has(name)) unknown.push(`dashboard ${q.where}: ${name}`);
      }
    }
    for (const r of alertRules()) {
      for (const name of metricNamesIn(r.expr)) {
        used.add(name);
        if (!allowed.has(name) && !(SCRAPE_SERIES.includes(name) && r.alert === 'NotifyServiceDown'))
          unknown.push(`alert ${r.alert}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    // The dashboard and the rules together cover every family the services export.
    for (const name of Object.values(MetricNames)) {
      expect(
        [...used].some((u) => u === name || u.startsWith(`${name}_`)),
        `${name} is charted or alerted on`,
      ).toBe(true);
    }
  });
});

describe('alert rules', () => {
  it('keeps every expr on one line and every alert labelled and annotated', () => {
    const text = fs.readFileSync(RULES_FILE, 'utf8');
    const rules = alertRules();
    expect(rules.length).toBe((text.match(/^\s*- alert:/gm) ?? []).length);
    expect(rules.length).toBe((text.match(/^\s*expr:/gm) ?? []).length);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    expect((text.match(/^\s*severity: (critical|warning)$/gm) ?? []).length).toBe(rules.length);
    expect((text.match(/^\s*summary: /gm) ?? []).length).toBe(rules.length);
    expect((text.match(/^\s*description: /gm) ?? []).length).toBe(rules.length);
  });

  it('alerts on what operators expect: service down, failures, DLQ growth, lag growth, p99 latency, open circuits', () => {
    const names = alertRules().map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'NotifyServiceDown',
        'NotifyHighFailureRate',
        'NotifyDeadLettersGrowing',
        'NotifyConsumerLagGrowing',
        'NotifyE2ELatencyP99High',
        'NotifyProviderLatencyP99High',
        'NotifyProviderCircuitOpen',
      ]),
    );
  });

  it('is the same file the chart ships as a PrometheusRule, and the same dashboard', () => {
    const files = path.join(REPO_ROOT, 'charts', 'notify', 'files');
    expect(fs.readFileSync(path.join(files, 'notify-alerts.rules.yaml'), 'utf8')).toBe(
      fs.readFileSync(RULES_FILE, 'utf8'),
    );
    expect(fs.readFileSync(path.join(files, 'notify-dashboard.json'), 'utf8')).toBe(
      fs.readFileSync(DASHBOARD_FILE, 'utf8'),
    );
  });
});

describe('dashboard', () => {
  it('is a Grafana dashboard whose panels all query the selected Prometheus data source', () => {
    const d = dashboard() as ReturnType<typeof dashboard> & {
      uid: string;
      title: string;
      schemaVersion: number;
    };
    expect(d.uid).toBe('notify-pipeline');
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource, String(p.title)).toEqual({ type: 'prometheus', uid: '${datasource}' });
      const g = p.gridPos as { x: number; w: number };
      expect(g.x + g.w, String(p.title)).toBeLessThanOrEqual(24);
      expect((p.targets as unknown[]).length, String(p.title)).toBeGreaterThan(0);
    }
    const titles = d.panels.map((p) => String(p.title));
    for (const t of [
      'Throughput by stage',
      'End-to-end latency by stage',
      'Dead-letter rate',
      'Consumer lag by group',
      'Provider latency',
      'Circuit state',
    ]) {
      expect(titles).toContain(t);
    }
  });
});

describe.skipIf(!availability.ok)('promtool', () => {
  let promtool: string;
  beforeAll(() => {
    promtool = opsModule.ensureOpsTools().promtool;
  }, 900_000); // a cold build of the tools takes a few minutes

  function checkRules(file: string): string {
    const res = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toContain('SUCCESS');
    expect(res.status).toBe(0);
    return res.stdout;
  }

  it('accepts the alert rules', () => {
    expect(checkRules(RULES_FILE)).toMatch(new RegExp(`SUCCESS: ${alertRules().length} rules found`));
  });

  it('parses every dashboard query', () => {
    const queries = dashboardQueries();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard-queries.rules.yaml');
      const rules = queries.map(
        (q, i) =>
          `      - record: notify:dashboard_query_${i}\n        expr: ${JSON.stringify(asPlainPromQL(q.expr))}`,
      );
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      expect(checkRules(file)).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
