import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of live `ssh -N` tunnel clients dialling `port` (Linux /proc): what a test checks to
 * prove no ssh was orphaned. Zombies are not counted (they are gone, only unreaped).
 */
export function tunnelSshPids(port: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('/ssh') || !argv.includes('-N')) continue;
      const p = argv.indexOf('-p');
      if (p < 0 || argv[p + 1] !== String(port)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      pids.push(Number(name));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}
