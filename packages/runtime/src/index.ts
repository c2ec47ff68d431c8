export * from './errors.js';
export * from './headers.js';
export * from './metric-names.js';
