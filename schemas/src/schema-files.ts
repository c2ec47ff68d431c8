import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchemaValueTypes } from './generated/types.js';

/** Directory of the .avsc files; the same relative location from src/ and dist/. */
export const AVRO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'avro');

export type SchemaName = keyof SchemaValueTypes;

const cache = new Map<SchemaName, object>();

/** The parsed Avro schema (JSON) of a schema file, by name without extension. */
export function loadSchema(name: SchemaName): object {
  let schema = cache.get(name);
  if (!schema) {
    schema = JSON.parse(fs.readFileSync(path.join(AVRO_DIR, `${name}.avsc`), 'utf8')) as object;
    cache.set(name, schema);
  }
  return schema;
}
