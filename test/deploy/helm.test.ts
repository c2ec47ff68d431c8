import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allTopics, PROVIDERS } from '@notify/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/stack-env.js';

interface OpsTools {
  helm: string;
  kubeconform: string;
  kustomize: string;
  promtool: string;
}
interface OpsToolsModule {
  ensureOpsTools(): OpsTools;
  opsToolsAvailability(): { ok: boolean; reason?: string };
}

const opsModule = (await import(
  pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'ops-tools.mjs')).href
)) as OpsToolsModule;
const availability = opsModule.opsToolsAvailability();
if (!availability.ok) console.warn(`[deploy] skipping the chart and manifest checks: ${availability.reason}`);

const CHART = path.join(REPO_ROOT, 'charts', 'notify');
const PRODUCTION_VALUES = path.join(CHART, 'values-production.yaml');
const SCHEMAS_DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes-schemas');
const PARTITIONS = 12;
const SHUTDOWN_GRACE_S = 25;

const SERVICES = [
  'ingest',
  'enrichment',
  'preference-filter',
  'scheduler',
  'channel-router',
  'status-tracker',
  'inapp-gateway',
];
const HTTP_SERVICES = ['ingest', 'status-tracker', 'inapp-gateway'];
const CREDENTIAL_VARS = [
  'MONGODB_URI',
  'REDIS_URL',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
  'SENDGRID_API_KEY',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'SMTP_URL',
  'WEBHOOK_SIGNING_SECRET',
  'PUSH_FCM_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'APNS_KEY_ID',
  'APNS_TEAM_ID',
  'APNS_PRIVATE_KEY',
];

let tools: OpsTools;

function run(
  cmd: string,
  args: string[],
  input?: string,
): { status: number; stdout: string; stderr: string } {
  const res = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

function ok(cmd: string, args: string[], input?: string): string {
  const res = run(cmd, args, input);
  if (res.status !== 0)
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} exited ${res.status}:\n${res.stderr}${res.stdout}`,
    );
  return res.stdout;
}

interface Doc {
  kind: string;
  name: string;
  text: string;
}

/** Splits rendered YAML into documents, reading kind and metadata.name from each (no YAML library needed). */
function documents(yaml: string): Doc[] {
  return yaml
    .split(/^---\s*$/m)
    .map((text) => text.trim())
    .filter((text) => /^kind:/m.test(text))
    .map((text) => ({
      text,
      kind: /^kind:\s*(\S+)/m.exec(text)![1]!,
      name: /^metadata:\n(?:[ \t]+.*\n)*?[ \t]{2}name:\s*(\S+)/m.exec(`${text}\n`)?.[1] ?? '',
    }));
}

function named(docs: Doc[], kind: string): Doc[] {
  return docs.filter((d) => d.kind === kind);
}

function schemaVersion(): string {
  const dir = fs.readdirSync(SCHEMAS_DIR).find((d) => /^v[\d.]+-standalone-strict$/.test(d));
  if (!dir) throw new Error(`no <version>-standalone-strict folder in ${SCHEMAS_DIR}`);
  return dir.slice(1, dir.indexOf('-'));
}

interface KubeconformResult {
  resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** Validates every document against the vendored schemas, strictly; unknown kinds are errors, not skips. */
function validate(yaml: string): KubeconformResult {
  const location = path.join(
    SCHEMAS_DIR,
    '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}',
    '{{ .ResourceKind }}{{ .KindSuffix }}.json',
  );
  const res = run(
    tools.kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-kubernetes-version',
      schemaVersion(),
      '-schema-location',
      location,
      '-',
    ],
    yaml,
  );
  const result = JSON.parse(res.stdout) as KubeconformResult;
  const problems = result.resources
    .filter((r) => r.status !== 'statusValid')
    .map((r) => `${r.kind}/${r.name}: ${r.msg}`);
  expect(problems, 'kubeconform findings').toEqual([]);
  expect(res.status).toBe(0);
  return result;
}

function helmTemplate(...args: string[]): string {
  return ok(tools.helm, ['template', 'notify', CHART, '--namespace', 'notify', ...args]);
}

/** Providers whose senders the default values leave off: nothing routes to them until configured. */
const OPT_IN_PROVIDERS: readonly string[] = ['ses', 'sns', 'apns'];
/** The opt-in senders the production values turn on, as SendGrid's and Twilio's fallbacks. */
const PRODUCTION_OPT_INS: readonly string[] = ['ses', 'sns'];
const DEFAULT_PROVIDERS = PROVIDERS.filter((p) => !OPT_IN_PROVIDERS.includes(p));
const PRODUCTION_PROVIDERS = [...DEFAULT_PROVIDERS, ...PRODUCTION_OPT_INS];

const deploymentsOf = (providers: readonly string[]) =>
  [...SERVICES, ...providers.map((p) => `sender-${p}`)].map((n) => `notify-${n}`).sort();
const expectedDeployments = deploymentsOf(DEFAULT_PROVIDERS);

/** The value of an env var entry in a container spec, as `value:` or `valueFrom:` text following its name. */
function envEntry(text: string, name: string): string | undefined {
  const m = new RegExp(`- name: ${name}\\n((?:\\s+(?!- name:).*\\n?)*)`).exec(text);
  return m?.[1];
}

describe.skipIf(!availability.ok)('Helm chart and plain manifests', () => {
  beforeAll(() => {
    tools = opsModule.ensureOpsTools();
  }, 900_000); // a cold build of the tools takes a few minutes

  it('passes helm lint --strict with the default and the production values', () => {
    for (const extra of [[], ['-f', PRODUCTION_VALUES]]) {
      const out = ok(tools.helm, ['lint', '--strict', CHART, ...extra]);
      expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('renders the default values into valid objects: a Deployment, Service and PDB per service and provider', () => {
    const yaml = helmTemplate();
    const docs = documents(yaml);
    const result = validate(yaml);
    expect(result.summary.valid).toBe(docs.length);

    expect(
      named(docs, 'Deployment')
        .map((d) => d.name)
        .sort(),
    ).toEqual(expectedDeployments);
    expect(
      named(docs, 'Service')
        .map((d) => d.name)
        .sort(),
    ).toEqual(expectedDeployments);
    expect(named(docs, 'PodDisruptionBudget')).toHaveLength(expectedDeployments.length);
    // Default autoscaling is the CPU HPA; the scheduler keeps fixed replicas.
    expect(named(docs, 'HorizontalPodAutoscaler').map((d) => d.name)).not.toContain('notify-scheduler');
    expect(named(docs, 'HorizontalPodAutoscaler')).toHaveLength(expectedDeployments.length - 1);
    expect(named(docs, 'ScaledObject')).toEqual([]);
    expect(named(docs, 'Secret')).toEqual([]);

    for (const d of named(docs, 'HorizontalPodAutoscaler')) {
      expect(Number(/maxReplicas: (\d+)/.exec(d.text)![1])).toBeLessThanOrEqual(PARTITIONS);
    }
  });

  it('renders the production values into valid objects: KEDA lag scaling within the partition count, monitoring, ingress', () => {
    const yaml = helmTemplate('-f', PRODUCTION_VALUES);
    const docs = documents(yaml);
    validate(yaml);

    expect(
      named(docs, 'Deployment')
        .map((d) => d.name)
        .sort(),
    ).toEqual(deploymentsOf(PRODUCTION_PROVIDERS));
    const scaled = named(docs, 'ScaledObject');
    const consumers = deploymentsOf(PRODUCTION_PROVIDERS).filter(
      (n) => !['notify-scheduler', 'notify-inapp-gateway'].includes(n),
    );
    expect(scaled.map((d) => d.name).sort()).toEqual(consumers);
    const topics = new Set(allTopics().map((t) => t.name));
    for (const d of scaled) {
      expect(d.text).toMatch(/- type: kafka/);
      expect(Number(/maxReplicaCount: (\d+)/.exec(d.text)![1])).toBeLessThanOrEqual(PARTITIONS);
      expect(topics, `${d.name} watches a registered topic`).toContain(/topic: "([^"]+)"/.exec(d.text)![1]);
      expect(d.text).toMatch(/consumerGroup: "notify\.[\w-]+"/);
      expect(d.text).toMatch(/sasl: scram_sha512/);
      expect(d.text).toMatch(/authenticationRef:\n\s+name: notify-kafka/);
    }
    const ingest = scaled.find((d) => d.name === 'notify-ingest')!;
    expect([...ingest.text.matchAll(/consumerGroup: "([^"]+)"\n\s+topic: "([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ['notify.ingest', 'notify.requests.v1'],
      ['notify.broadcast-expander', 'notify.broadcasts.v1'],
    ]);
    for (const provider of PRODUCTION_PROVIDERS) {
      const sender = scaled.find((d) => d.name === `notify-sender-${provider}`)!;
      expect(sender.text).toContain(`topic: "notify.dispatch.${provider}.v1"`);
    }
    expect(named(docs, 'HorizontalPodAutoscaler').map((d) => d.name)).toEqual(['notify-inapp-gateway']);
    expect(named(docs, 'TriggerAuthentication')).toHaveLength(1);
    expect(named(docs, 'ServiceMonitor')).toHaveLength(1);
    expect(named(docs, 'PrometheusRule')).toHaveLength(1);
    expect(named(docs, 'Ingress')).toHaveLength(1);
    expect(
      named(docs, 'ConfigMap')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['notify-dashboard', 'notify-env']);
    expect(named(docs, 'Secret')).toEqual([]);
  });

  it('hardens and probes every pod, and gives it more than the shutdown grace to stop', () => {
    for (const [values, providers] of [
      [[], DEFAULT_PROVIDERS],
      [['-f', PRODUCTION_VALUES], PRODUCTION_PROVIDERS],
    ] as const) {
      const docs = documents(helmTemplate(...values));
      for (const d of [...named(docs, 'Deployment'), ...named(docs, 'Job')]) {
        expect(d.text, d.name).toContain('runAsNonRoot: true');
        expect(d.text, d.name).toContain('readOnlyRootFilesystem: true');
        expect(d.text, d.name).toContain('allowPrivilegeEscalation: false');
        expect(d.text, d.name).toMatch(/drop:\n\s+- ALL/);
        expect(d.text, d.name).toContain('automountServiceAccountToken: false');
      }
      for (const d of named(docs, 'Deployment')) {
        expect(d.text, d.name).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: admin/);
        expect(d.text, d.name).toMatch(/readinessProbe:\n\s+httpGet:\n\s+path: \/readyz\n\s+port: admin/);
        expect(d.text, d.name).toMatch(/- name: admin\n\s+containerPort: 9464/);
        expect(d.text, d.name).toMatch(/checksum\/config: [0-9a-f]{64}/);
        expect(Number(/terminationGracePeriodSeconds: (\d+)/.exec(d.text)![1]), d.name).toBeGreaterThan(
          SHUTDOWN_GRACE_S,
        );
        const isHttp = HTTP_SERVICES.some((s) => d.name === `notify-${s}`);
        expect(d.text.includes('- name: HTTP_PORT'), d.name).toBe(isHttp);
        expect(d.text.includes('preStop:'), d.name).toBe(isHttp);
      }
      for (const provider of providers) {
        const sender = named(docs, 'Deployment').find((d) => d.name === `notify-sender-${provider}`)!;
        expect(sender.text).toMatch(/args:\n\s+- sender\n/);
        expect(envEntry(sender.text, 'SENDER_PROVIDER')).toContain(`"${provider}"`);
      }
    }
  });

  it('takes every credential from an existing Secret by reference, never as a value', () => {
    const yaml = helmTemplate('-f', PRODUCTION_VALUES, '--set', 'senders.apns.enabled=true');
    expect(yaml).toContain('name: notify-sender-apns');
    let seen = 0;
    for (const name of CREDENTIAL_VARS) {
      for (const m of yaml.matchAll(new RegExp(`- name: ${name}\\n(\\s+)(\\S+)`, 'g'))) {
        expect(m[2], `${name} comes from valueFrom.secretKeyRef`).toBe('valueFrom:');
        seen += 1;
      }
    }
    expect(seen).toBeGreaterThan(CREDENTIAL_VARS.length);
    expect(yaml).not.toMatch(/^kind: Secret$/m);
  });

  it('runs topic creation and schema registration in a pre-install/pre-upgrade hook Job', () => {
    const docs = documents(helmTemplate());
    const [job] = named(docs, 'Job');
    expect(job).toBeDefined();
    expect(job!.text).toContain('helm.sh/hook: pre-install,pre-upgrade');
    expect(job!.text).toContain('args: [admin-tasks, topics, create]');
    expect(job!.text).toContain('args: [admin-tasks, schemas, register]');
    // The hook runs before the release's ConfigMap exists, so its settings are inline.
    expect(job!.text).not.toContain('configMapRef');
    expect(envEntry(job!.text, 'KAFKA_BROKERS')).toBeDefined();
    expect(envEntry(job!.text, 'SCHEMA_REGISTRY_URL')).toBeDefined();
  });

  it('refuses to render more consumer replicas than partitions', () => {
    const res = run(tools.helm, [
      'template',
      'notify',
      CHART,
      '--set',
      `defaults.autoscaling.maxReplicas=${PARTITIONS + 1}`,
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/exceeds the 12 partitions/);
  });

  it('builds the dev and prod kustomize overlays into valid objects', () => {
    for (const overlay of ['dev', 'prod']) {
      const yaml = ok(tools.kustomize, ['build', path.join(REPO_ROOT, 'k8s', 'overlays', overlay)]);
      const docs = documents(yaml);
      const result = validate(yaml);
      expect(result.summary.valid).toBe(docs.length);
      expect(
        named(docs, 'Deployment')
          .map((d) => d.name)
          .sort(),
      ).toEqual(expectedDeployments);
      expect(named(docs, 'Secret')).toEqual([]);
      const env = named(docs, 'ConfigMap').find((d) => d.name.startsWith('notify-env-'));
      expect(env, 'hashed notify-env ConfigMap').toBeDefined();
      for (const d of named(docs, 'Deployment')) expect(d.text, d.name).toContain(`name: ${env!.name}`);
      for (const d of named(docs, 'HorizontalPodAutoscaler')) {
        expect(Number(/maxReplicas: (\d+)/.exec(d.text)![1])).toBeLessThanOrEqual(PARTITIONS);
      }
      if (overlay === 'prod') {
        expect(named(docs, 'ServiceMonitor')).toHaveLength(1);
        expect(named(docs, 'Ingress')).toHaveLength(1);
        expect(env!.text).toContain('KAFKA_SASL_MECHANISM: scram-sha-512');
        for (const d of named(docs, 'Deployment'))
          expect(envEntry(d.text, 'KAFKA_SASL_PASSWORD'), d.name).toContain('secretKeyRef');
      } else {
        expect(env!.text).toContain('LOG_LEVEL: debug');
      }
    }
  });
});
