#!/usr/bin/env node
// Generates src/generated/types.ts from avro/*.avsc, so TypeScript types never drift from the schemas.
//   node scripts/generate-types.mjs          write the file
//   node scripts/generate-types.mjs --check  exit 1 if the committed file is stale
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTypes } from './render-types.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'src', 'generated', 'types.ts');
const avroDir = path.join(root, 'avro');
const schemas = fs
  .readdirSync(avroDir)
  .filter((f) => f.endsWith('.avsc'))
  .sort()
  .map((f) => ({ file: f, schema: JSON.parse(fs.readFileSync(path.join(avroDir, f), 'utf8')) }));
const text = renderTypes(schemas);

if (process.argv.includes('--check')) {
  const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), out)} is stale: run npm run generate -w @notify/schemas`);
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
