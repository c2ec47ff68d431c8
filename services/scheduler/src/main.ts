import { schedulerEnvSchema, wireScheduler } from '@notify/preference-filter/scheduler';
import { runService } from '@notify/runtime';

await runService('scheduler', schedulerEnvSchema, wireScheduler);
