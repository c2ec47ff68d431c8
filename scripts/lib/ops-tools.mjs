// Deployment-check tools (helm, kubeconform, kustomize, promtool), provisioned once into the per-user cache
// (NOTIFY_STACK_CACHE, default ~/.cache/notify-stack) and reused from there. helm, kubeconform and kustomize
// are built from the Go module proxy; promtool is taken from Debian's `prometheus` package (only the binary
// is unpacked, so no server is installed or started), or built from the Go module proxy when apt is not usable.
//
//   node scripts/lib/ops-tools.mjs        provisions and prints the tool paths as JSON
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPS_TOOL_VERSIONS = {
  helm: 'v3.21.4',
  kubeconform: 'v0.7.0',
  kustomize: 'v5.8.1',
  /** Go module version of promtool when it has to be built (Prometheus v3.6.0). */
  promtoolModule: 'v0.306.0',
};

/** Kubernetes version helm assumes for `.Capabilities` and its deprecation lint when not told otherwise. */
const HELM_DEFAULT_KUBE = { major: '1', minor: '34' };

const log = (msg) => process.stderr.write(`[ops-tools] ${msg}\n`);

export class OpsToolsError extends Error {}

function cacheRoot() {
  return process.env.NOTIFY_STACK_CACHE || path.join(os.homedir(), '.cache', 'notify-stack');
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
  });
  if (res.error) throw new OpsToolsError(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new OpsToolsError(`${cmd} ${args.join(' ')} failed (exit ${res.status}):\n${out}`);
  }
  return res.stdout;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// Builds into a temporary sibling and renames, so an interrupted build never leaves a half-provisioned tool.
function provisionBinary(name, version, build) {
  const dir = path.join(cacheRoot(), `${name}-${version}`);
  const bin = path.join(dir, name);
  if (fs.existsSync(path.join(dir, '.complete')) && fs.existsSync(bin)) return bin;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    if (!fs.existsSync(path.join(tmp, name))) throw new OpsToolsError(`${name} was not produced in ${tmp}`);
    fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function goInstall(gobin, pkg, ldflags = []) {
  if (!has('go')) throw new OpsToolsError(`Go is required to build ${pkg}`);
  const args = ['install', '-trimpath'];
  if (ldflags.length) args.push('-ldflags', ldflags.join(' '));
  args.push(pkg);
  run('go', args, {
    env: {
      ...process.env,
      GOBIN: gobin,
      CGO_ENABLED: '0',
      GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
    },
  });
}

function provisionHelm() {
  const v = OPS_TOOL_VERSIONS.helm;
  return provisionBinary('helm', v, (tmp) => {
    log(`building helm ${v} from the Go module proxy (first run only)`);
    goInstall(tmp, `helm.sh/helm/v3/cmd/helm@${v}`, [
      '-s',
      '-w',
      `-X helm.sh/helm/v3/internal/version.version=${v}`,
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${HELM_DEFAULT_KUBE.major}`,
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${HELM_DEFAULT_KUBE.minor}`,
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${HELM_DEFAULT_KUBE.major}`,
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${HELM_DEFAULT_KUBE.minor}`,
    ]);
  });
}

function provisionKubeconform() {
  const v = OPS_TOOL_VERSIONS.kubeconform;
  return provisionBinary('kubeconform', v, (tmp) => {
    log(`building kubeconform ${v} from the Go module proxy (first run only)`);
    goInstall(tmp, `github.com/yannh/kubeconform/cmd/kubeconform@${v}`, ['-s', '-w']);
  });
}

function provisionKustomize() {
  const v = OPS_TOOL_VERSIONS.kustomize;
  return provisionBinary('kustomize', v, (tmp) => {
    log(`building kustomize ${v} from the Go module proxy (first run only)`);
    goInstall(tmp, `sigs.k8s.io/kustomize/kustomize/v5@${v}`, ['-s', '-w']);
  });
}

function aptEnv() {
  return { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
}

// `apt-get download` fetches the .deb without installing it (no dependencies, no service start); only
// usr/bin/promtool is kept. Needs apt's package lists, which only root can refresh.
function promtoolFromDebian(tmp) {
  const isRoot = process.getuid?.() === 0;
  const lists = () => spawnSync('apt-cache', ['show', 'prometheus'], { stdio: 'ignore' }).status === 0;
  if (!lists()) {
    if (!isRoot)
      throw new OpsToolsError('apt has no package list for prometheus and refreshing it needs root');
    run('apt-get', ['update', '-qq'], { env: aptEnv() });
  }
  const debs = path.join(tmp, 'deb');
  fs.mkdirSync(debs);
  run('apt-get', ['download', '-qq', 'prometheus'], { cwd: debs, env: aptEnv() });
  const deb = fs.readdirSync(debs).find((f) => f.endsWith('.deb'));
  if (!deb) throw new OpsToolsError('apt-get download prometheus produced no .deb');
  const unpacked = path.join(tmp, 'unpacked');
  run('dpkg-deb', ['-x', path.join(debs, deb), unpacked]);
  fs.copyFileSync(path.join(unpacked, 'usr', 'bin', 'promtool'), path.join(tmp, 'promtool'));
  fs.chmodSync(path.join(tmp, 'promtool'), 0o755);
  fs.rmSync(debs, { recursive: true, force: true });
  fs.rmSync(unpacked, { recursive: true, force: true });
}

function provisionPromtool() {
  if (has('apt-get') && has('dpkg-deb')) {
    try {
      return provisionBinary('promtool', 'debian', (tmp) => {
        log("unpacking promtool from Debian's prometheus package (first run only)");
        promtoolFromDebian(tmp);
      });
    } catch (err) {
      if (!has('go')) throw err;
      log(`${err.message}; building promtool from the Go module proxy instead`);
    }
  }
  const v = OPS_TOOL_VERSIONS.promtoolModule;
  return provisionBinary('promtool', v, (tmp) => {
    log(`building promtool ${v} from the Go module proxy (first run only)`);
    goInstall(tmp, `github.com/prometheus/prometheus/cmd/promtool@${v}`, ['-s', '-w']);
  });
}

function isProvisioned(name, version) {
  const dir = path.join(cacheRoot(), `${name}-${version}`);
  return fs.existsSync(path.join(dir, '.complete')) && fs.existsSync(path.join(dir, name));
}

/**
 * Whether ensureOpsTools() can succeed here without trying it: every tool is cached already, or what builds
 * the missing ones is present (go; for promtool apt with package lists or root, else go).
 */
export function opsToolsAvailability() {
  const v = OPS_TOOL_VERSIONS;
  const missing = [
    ['helm', v.helm],
    ['kubeconform', v.kubeconform],
    ['kustomize', v.kustomize],
  ].filter(([name, version]) => !isProvisioned(name, version));
  const promtoolCached = isProvisioned('promtool', 'debian') || isProvisioned('promtool', v.promtoolModule);
  const reasons = [];
  if (missing.length && !has('go'))
    reasons.push(`Go is needed to build ${missing.map(([n]) => n).join(', ')}`);
  if (!promtoolCached && !has('go')) {
    const aptUsable =
      has('apt-get') &&
      has('dpkg-deb') &&
      (process.getuid?.() === 0 ||
        spawnSync('apt-cache', ['show', 'prometheus'], { stdio: 'ignore' }).status === 0);
    if (!aptUsable) reasons.push("promtool needs Debian's prometheus package (apt as root) or Go");
  }
  return reasons.length ? { ok: false, reason: reasons.join('; ') } : { ok: true };
}

/**
 * Makes sure helm, kubeconform, kustomize and promtool are in the cache and returns their absolute paths.
 * Fast and side-effect free once provisioned; throws OpsToolsError when one cannot be provisioned here.
 */
export function ensureOpsTools() {
  return {
    helm: provisionHelm(),
    kubeconform: provisionKubeconform(),
    kustomize: provisionKustomize(),
    promtool: provisionPromtool(),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const tools = ensureOpsTools();
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify(tools, null, 2));
  } catch (err) {
    console.error(err instanceof OpsToolsError ? err.message : err);
    process.exit(1);
  }
}
