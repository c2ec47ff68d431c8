export * from './runtime-controls.js';
export * from './circuit-breaker.js';
export * from './controls-watcher.js';
