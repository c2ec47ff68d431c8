#!/usr/bin/env node
// Regenerates the vendored kubeconform schemas in this folder (standalone, strict JSON schemas, laid out as
// kubeconform expects: <version>-standalone-strict/<kind>-<group>-<version>.json).
//
// Sources, all fetched as Go modules through the Go module proxy (`go mod download`):
//   - k8s.io/kubernetes:   api/openapi-spec/swagger.json (the OpenAPI v2 definitions of the built-in kinds)
//   - kedacore/keda:       config/crd/bases/*.yaml (ScaledObject, TriggerAuthentication CRDs)
//   - prometheus-operator: example/prometheus-operator-crd/*.yaml (ServiceMonitor, PrometheusRule CRDs)
//
// The conversion follows kubeconform's openapi2jsonschema: every $ref is inlined (standalone), int-or-string
// becomes string|integer, Quantity string|number, objects with properties reject unknown fields (strict),
// optional built-in fields accept null. Descriptions and x-kubernetes-* annotations are dropped to keep the
// files small; they carry no validation.
//
//   node deploy/kubernetes-schemas/generate.mjs      (needs go, and js-yaml from the root node_modules)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const KUBERNETES_VERSION = '1.34.4';
const MODULES = {
  kubernetes: `k8s.io/kubernetes@v${KUBERNETES_VERSION}`,
  keda: 'github.com/kedacore/keda/v2@v2.20.2',
  prometheusOperator: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
};

/** Built-in kinds the chart and the manifests render: OpenAPI definition name by apiVersion/kind. */
const BUILTIN = {
  'v1/ConfigMap': 'io.k8s.api.core.v1.ConfigMap',
  'v1/Service': 'io.k8s.api.core.v1.Service',
  'v1/ServiceAccount': 'io.k8s.api.core.v1.ServiceAccount',
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'batch/v1/Job': 'io.k8s.api.batch.v1.Job',
  'networking.k8s.io/v1/Ingress': 'io.k8s.api.networking.v1.Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'io.k8s.api.networking.v1.NetworkPolicy',
  'autoscaling/v2/HorizontalPodAutoscaler': 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'io.k8s.api.policy.v1.PodDisruptionBudget',
};

/** CRDs: module key, file inside the module, served version. */
const CRDS = [
  { module: 'keda', file: 'config/crd/bases/keda.sh_scaledobjects.yaml', version: 'v1alpha1' },
  { module: 'keda', file: 'config/crd/bases/keda.sh_triggerauthentications.yaml', version: 'v1alpha1' },
  {
    module: 'prometheusOperator',
    file: 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
    version: 'v1',
  },
  {
    module: 'prometheusOperator',
    file: 'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml',
    version: 'v1',
  },
];

function moduleDir(spec) {
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', spec], { encoding: 'utf8', cwd: HERE }),
  );
  if (info.Error) throw new Error(`go mod download ${spec}: ${info.Error}`);
  return info.Dir;
}

/** kubeconform's file name: lower-case kind, first label of the group, version. */
export function schemaFileName(apiVersion, kind) {
  const parts = apiVersion.split('/');
  const groupFirst = parts[0].split('.')[0];
  const suffix = parts.length > 1 ? `-${groupFirst}-${parts[1]}` : `-${groupFirst}`;
  return `${kind.toLowerCase()}${suffix.toLowerCase()}.json`;
}

const DROP_KEYS = new Set(['description', 'example', 'externalDocs']);

function clean(node) {
  if (Array.isArray(node)) return node.map(clean);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  // Fields that keep unknown content must stay open when strict mode closes objects with properties.
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.properties)
    out.additionalProperties = true;
  for (const [k, v] of Object.entries(node)) {
    if (DROP_KEYS.has(k) || k.startsWith('x-kubernetes-')) continue;
    out[k] =
      k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, clean(s)])) : clean(v);
  }
  return out;
}

function inline(node, definitions, stack = []) {
  if (Array.isArray(node)) return node.map((n) => inline(n, definitions, stack));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/definitions/', '');
    if (stack.includes(name)) throw new Error(`recursive definition ${[...stack, name].join(' -> ')}`);
    if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString')
      return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity')
      return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    const target = definitions[name];
    if (!target) throw new Error(`unknown definition ${name}`);
    return inline(target, definitions, [...stack, name]);
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, inline(s, definitions, stack)]))
        : inline(v, definitions, stack);
  }
  return out;
}

function strict(node) {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strict(s)])) : strict(v);
  }
  if (out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

// The API server accepts an explicit null for any optional field; mirror that for the built-in kinds.
function nullableOptionals(node) {
  if (Array.isArray(node)) return node.map(nullableOptionals);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? v : nullableOptionals(v);
  if (out.properties) {
    const required = new Set(out.required ?? []);
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([p, s]) => {
        const inner = nullableOptionals(s);
        if (!required.has(p) && typeof inner.type === 'string') inner.type = [inner.type, 'null'];
        return [p, inner];
      }),
    );
  }
  return out;
}

function pinKind(schema, apiVersion, kind) {
  schema.properties.apiVersion = { ...schema.properties.apiVersion, enum: [apiVersion] };
  schema.properties.kind = { ...schema.properties.kind, enum: [kind] };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind'])];
  return schema;
}

async function main() {
  const outDir = path.join(HERE, `v${KUBERNETES_VERSION}-standalone-strict`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const written = [];
  const write = (apiVersion, kind, schema) => {
    const file = path.join(outDir, schemaFileName(apiVersion, kind));
    fs.writeFileSync(file, `${JSON.stringify({ $schema: 'http://json-schema.org/schema#', ...schema })}\n`);
    written.push(`${path.basename(file)} (${fs.statSync(file).size} bytes)`);
  };

  const swagger = JSON.parse(
    fs.readFileSync(path.join(moduleDir(MODULES.kubernetes), 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
  );
  const definitions = Object.fromEntries(
    Object.entries(swagger.definitions).map(([name, def]) => [name, clean(def)]),
  );
  for (const [gvk, defName] of Object.entries(BUILTIN)) {
    const kind = gvk.slice(gvk.lastIndexOf('/') + 1);
    const apiVersion = gvk.slice(0, gvk.lastIndexOf('/'));
    const schema = pinKind(
      strict(nullableOptionals(inline(definitions[defName], definitions))),
      apiVersion,
      kind,
    );
    write(apiVersion, kind, schema);
  }

  const { default: yaml } = await import('js-yaml');
  const dirs = {};
  for (const crd of CRDS) {
    dirs[crd.module] ??= moduleDir(MODULES[crd.module]);
    const doc = yaml.load(fs.readFileSync(path.join(dirs[crd.module], crd.file), 'utf8'));
    const served = doc.spec.versions.find((v) => v.name === crd.version);
    if (!served) throw new Error(`${crd.file} has no version ${crd.version}`);
    const apiVersion = `${doc.spec.group}/${crd.version}`;
    const kind = doc.spec.names.kind;
    write(apiVersion, kind, pinKind(strict(clean(served.schema.openAPIV3Schema)), apiVersion, kind));
  }
  console.log(`wrote ${outDir}:\n  ${written.join('\n  ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
