export { schedulerEnvSchema } from '../config.js';
export { wireScheduler } from './run-scheduler.js';
