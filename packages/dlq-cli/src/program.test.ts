import { ConfigError, ValidationError } from '@notify/runtime';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { buildProgram } from './program.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  let connected = 0;
  return {
    out,
    err,
    get connected() {
      return connected;
    },
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: false },
      env: {},
      connect: async (): Promise<Connection> => {
        connected++;
        throw new ConfigError(['KAFKA_BROKERS: required']);
      },
    },
  };
}

const run = (args: string[], t = io()) => buildProgram(t.io).parseAsync(['node', 'notify-dlq', ...args]);

describe('command line', () => {
  it('rejects bad option values before connecting', async () => {
    const t = io();
    await expect(run(['replay', 'a.dlq', '--name', 'x', '--rate', '0'], t)).rejects.toBeInstanceOf(
      CommanderError,
    );
    await expect(run(['inspect', 'a.dlq', '--limit', 'many'], t)).rejects.toBeInstanceOf(CommanderError);
    await expect(run(['inspect', 'a.dlq', '--from', 'last tuesday'], t)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(run(['inspect', 'a.dlq', '--schema', 'nope'], t)).rejects.toBeInstanceOf(ValidationError);
    await expect(run(['replay', 'a.dlq'], t)).rejects.toThrow(/--name: is required/);
    await expect(run(['replay', 'a.dlq', '--name', 'bad name'], t)).rejects.toBeInstanceOf(ValidationError);
    expect(t.connected).toBe(0);
    expect(t.err.join('')).toContain('--rate');
  });

  it('reads the connection from the environment once the options are valid', async () => {
    const t = io();
    await expect(run(['list'], t)).rejects.toBeInstanceOf(ConfigError);
    await expect(
      run(['replay', 'a.dlq', '--dry-run', '--code', 'VALIDATION', '--until', '2025-01-01'], t),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(t.connected).toBe(2);
  });

  it('prints help for each verb', async () => {
    const t = io();
    await expect(run(['replay', '--help'], t)).rejects.toMatchObject({ exitCode: 0 });
    const help = t.out.join('');
    for (const option of [
      '--name',
      '--to <topic>',
      '--rate',
      '--dry-run',
      '--from',
      '--until',
      '--code',
      '--key',
      '--id',
      '--limit',
      '--json',
    ]) {
      expect(help).toContain(option);
    }
  });
});
