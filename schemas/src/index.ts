export * from './generated/types.js';
export * from './topics.js';
export * from './push-platforms.js';
export { loadSchema, AVRO_DIR, type SchemaName } from './schema-files.js';
export { checkBackward, checkAllSchemas, previousVersion, type CompatibilityResult } from './compatibility.js';
