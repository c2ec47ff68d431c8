#!/usr/bin/env node
// notify-admin: operations run once per deploy (a Helm hook Job) or by hand.
import { ConfigError, loadConfig, mongoEnv, runtimeEnvSchema } from '@notify/runtime';
import { Command } from 'commander';
import { bootstrapTenant, createIndexes, createTopics, registerSchemas } from './tasks.js';

const program = new Command('notify-admin').description('Operations on the notification pipeline');

program
  .command('topics')
  .argument('<action>', 'create')
  .description('create every pipeline topic with its retry tiers and dead-letter topic (idempotent)')
  .action(async (action: string) => {
    if (action !== 'create') throw new Error(`unknown action ${action}`);
    const created = await createTopics(loadConfig(runtimeEnvSchema));
    console.log(created.length ? `created ${created.length} topics:\n  ${created.join('\n  ')}` : 'all topics exist');
  });

program
  .command('schemas')
  .argument('<action>', 'register')
  .description('register the value schema of every topic under <topic>-value (idempotent)')
  .action(async (action: string) => {
    if (action !== 'register') throw new Error(`unknown action ${action}`);
    const subjects = await registerSchemas(loadConfig(runtimeEnvSchema));
    console.log(`registered ${subjects.length} subjects`);
  });

program
  .command('indexes')
  .argument('<action>', 'ensure')
  .description('create MongoDB indexes (idempotent)')
  .action(async (action: string) => {
    if (action !== 'ensure') throw new Error(`unknown action ${action}`);
    const report = await createIndexes(loadConfig(mongoEnv).MONGODB_URI);
    console.log(`ensured ${report.ensured.length} indexes; TTL by sweeper: ${report.ttlFallbacks.map((f) => f.spec.name).join(', ') || 'none'}`);
  });

program
  .command('tenant')
  .argument('<action>', 'create')
  .argument('<tenantId>')
  .option('--name <name>', 'display name')
  .option('--admin', 'the key may change runtime controls')
  .option('--rate <perMinute>', 'requests per minute for the key', '600')
  .description('create a tenant (or keep it) and issue an API key, printed once')
  .action(async (action: string, tenantId: string, opts: { name?: string; admin?: boolean; rate: string }) => {
    if (action !== 'create') throw new Error(`unknown action ${action}`);
    const { key } = await bootstrapTenant(loadConfig(mongoEnv).MONGODB_URI, tenantId, opts.name ?? tenantId, opts.admin ? ['admin'] : [], Number(opts.rate));
    console.log(key);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `notify-admin: ${(err as Error).message}`);
  process.exit(1);
});
