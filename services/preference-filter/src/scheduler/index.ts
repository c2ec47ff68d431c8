export { wireScheduler } from './run-scheduler.js';
