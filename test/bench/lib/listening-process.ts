import { execFileSync } from 'node:child_process';

/** The pid of the process listening on a loopback TCP port (from `ss`), or undefined. */
export function listeningPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  }
}

/** The port of a URL or host:port string. */
export function portOf(address: string): number | undefined {
  const first = address.split(',')[0]!.trim();
  try {
    const url = new URL(first.includes('://') ? first : `tcp://${first}`);
    return url.port ? Number(url.port) : undefined;
  } catch {
    return undefined;
  }
}
