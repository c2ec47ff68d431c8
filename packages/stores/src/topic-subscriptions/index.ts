export * from './subscriber-buckets.js';
export * from './subscriber-cursor.js';
export * from './topic-subscription-repository.js';
