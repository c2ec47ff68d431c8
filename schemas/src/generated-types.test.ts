import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { loadSchema } from './schema-files.js';
import { allTopics } from './topics.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('schemas', () => {
  it('generated types are up to date with the .avsc files', () => {
    expect(() => execFileSync('node', ['scripts/generate-types.mjs', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('every topic has a parseable, namespaced, fully documented schema', () => {
    for (const t of allTopics()) {
      const schema = loadSchema(t.schema) as { namespace?: string };
      expect(schema.namespace, t.name).toMatch(/^io\.notify\./);
      const type = avro.Type.forSchema(schema as avro.Schema);
      const undocumented: string[] = [];
      const walk = (s: unknown, where: string): void => {
        if (!s || typeof s !== 'object') return;
        if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}[${i}]`));
        const o = s as Record<string, unknown>;
        if (o.type === 'record') {
          for (const f of o.fields as Array<Record<string, unknown>>) {
            if (!f.doc) undocumented.push(`${where}.${String(f.name)}`);
            walk(f.type, `${where}.${String(f.name)}`);
          }
        } else if (o.type === 'array') walk(o.items, where);
        else if (o.type === 'map') walk(o.values, where);
      };
      walk(schema, t.schema);
      expect(undocumented, t.name).toEqual([]);
      expect(type.name).toBeTruthy();
    }
  });
});
