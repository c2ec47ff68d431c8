import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { AVRO_DIR } from './schema-files.js';

export interface CompatibilityResult {
  file: string;
  /** Where the previous version came from, e.g. 'HEAD' or a commit hash; undefined for a new schema. */
  baseline?: string;
  compatible: boolean;
  reason?: string;
}

/**
 * BACKWARD compatibility: a consumer using `next` can read data written with `previous`.
 * avsc's resolver applies Avro's schema-resolution rules and throws when they cannot be met.
 */
export function checkBackward(previous: object, next: object): { compatible: boolean; reason?: string } {
  try {
    const writer = avro.Type.forSchema(previous as avro.Schema);
    const reader = avro.Type.forSchema(next as avro.Schema);
    reader.createResolver(writer);
    return { compatible: true };
  } catch (err) {
    return { compatible: false, reason: (err as Error).message };
  }
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/**
 * The last committed version of a schema file to compare against: the HEAD version while the file has
 * uncommitted changes, otherwise the version before the last commit that touched it. SCHEMA_COMPAT_BASE
 * (a git ref, e.g. origin/main) overrides this, as a pull-request check would.
 */
export function previousVersion(file: string, base = process.env.SCHEMA_COMPAT_BASE): { ref: string; text: string } | undefined {
  const abs = path.join(AVRO_DIR, file);
  const top = git(['rev-parse', '--show-toplevel'], AVRO_DIR)?.trim();
  if (!top) return undefined;
  const rel = path.relative(top, abs);
  const show = (ref: string) => git(['show', `${ref}:${rel}`], top);
  if (base) {
    const text = show(base);
    return text === undefined ? undefined : { ref: base, text };
  }
  const head = show('HEAD');
  const current = fs.readFileSync(abs, 'utf8');
  if (head !== undefined && head !== current) return { ref: 'HEAD', text: head };
  const commits = git(['log', '--format=%H', '-n', '2', '--', rel], top)?.trim().split('\n').filter(Boolean) ?? [];
  const prior = commits[1];
  if (!prior) return undefined;
  const text = show(prior);
  return text === undefined ? undefined : { ref: prior, text };
}

export function checkAllSchemas(): CompatibilityResult[] {
  return fs
    .readdirSync(AVRO_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => {
      const prev = previousVersion(file);
      if (!prev) return { file, compatible: true };
      const next = JSON.parse(fs.readFileSync(path.join(AVRO_DIR, file), 'utf8'));
      return { file, baseline: prev.ref, ...checkBackward(JSON.parse(prev.text), next) };
    });
}
