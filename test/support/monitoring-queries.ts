import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './stack-env.js';

const MONITORING = path.join(REPO_ROOT, 'deploy', 'monitoring');
const RULES_FILE = path.join(MONITORING, 'notify-alerts.rules.yaml');
const DASHBOARD_FILE = path.join(MONITORING, 'notify-dashboard.json');

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression (or a Grafana label_values() query) selects. */
export function metricNamesIn(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\blabel_values\(\s*([^,]+?)\s*,\s*\w+\s*\)/g, '$1')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  s = s.replace(/(^|[^\w:])\d+(\.\d+)?(e[+-]?\d+)?(ms|s|m|h|d|w|y)?\b/gi, '$1 ');
  const names: string[] = [];
  for (const m of s.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const rest = s.slice(m.index + m[0].length).trimStart();
    if (rest.startsWith('(') || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

export interface Rule {
  alert: string;
  expr: string;
}

/** The alert rules, read line by line: every rule's expr is on one line (the test below insists). */
export function alertRules(): Rule[] {
  const text = fs.readFileSync(RULES_FILE, 'utf8');
  const rules: Rule[] = [];
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const alert = /^\s*- alert:\s*(\S+)\s*$/.exec(line);
    if (alert) current = alert[1];
    const expr = /^\s*expr:\s*(.+)$/.exec(line);
    if (expr && current) {
      rules.push({ alert: current, expr: expr[1]!.trim() });
      current = undefined;
    }
  }
  return rules;
}

export interface DashboardQuery {
  where: string;
  expr: string;
}

export function dashboard(): { panels: Record<string, unknown>[]; templating: { list: Record<string, unknown>[] } } {
  return JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
}

/** Every PromQL query of the dashboard: panel targets and templating variables. */
export function dashboardQueries(): DashboardQuery[] {
  const d = dashboard();
  const out: DashboardQuery[] = [];
  const visit = (panels: Record<string, unknown>[]) => {
    for (const p of panels) {
      for (const t of (p.targets as { expr?: string; refId: string }[] | undefined) ?? []) {
        if (t.expr) out.push({ where: `panel "${String(p.title)}" ${t.refId}`, expr: t.expr });
      }
      if (Array.isArray(p.panels)) visit(p.panels as Record<string, unknown>[]);
    }
  };
  visit(d.panels);
  for (const v of d.templating.list) {
    const q = v.query as string | { query?: string } | undefined;
    const query = typeof q === 'string' ? q : q?.query;
    if (v.type === 'query' && query) out.push({ where: `variable $${String(v.name)}`, expr: query });
  }
  return out;
}

/** Every metric name the dashboard and the alert rules select. */
export function monitoredMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const q of dashboardQueries()) for (const n of metricNamesIn(q.expr)) names.add(n);
  for (const r of alertRules()) for (const n of metricNamesIn(r.expr)) names.add(n);
  return names;
}
