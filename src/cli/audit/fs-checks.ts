import { lstatSync, type Stats } from 'node:fs';
import type { Finding } from './findings.js';

function stat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(3, '0');

/** Permission checks of the state dir and config file (the `fs.*` checkIds of the real audit). */
export function fsFindings(stateDir: string, configPath: string): Finding[] {
  const out: Finding[] = [];
  const dir = stat(stateDir);
  if (dir) {
    const m = dir.mode;
    const detail = `${stateDir} has mode ${octal(m)}`;
    const fix = `chmod 700 ${stateDir} (security audit --fix does)`;
    if (dir.isSymbolicLink()) out.push({ checkId: 'fs.state_dir.symlink', severity: 'warn', title: 'State dir is a symlink', detail: `${stateDir} is a symlink; treat this as an extra trust boundary.` });
    else if (m & 0o002) out.push({ checkId: 'fs.state_dir.perms_world_writable', severity: 'critical', title: 'State dir is world-writable', detail: `${detail}; other users can write into the gateway's state.`, remediation: fix });
    else if (m & 0o020) out.push({ checkId: 'fs.state_dir.perms_group_writable', severity: 'warn', title: 'State dir is group-writable', detail: `${detail}; group users can write into the gateway's state.`, remediation: fix });
    else if (m & 0o044) out.push({ checkId: 'fs.state_dir.perms_readable', severity: 'warn', title: 'State dir is readable by others', detail: `${detail}; consider restricting to 700.`, remediation: fix });
  }
  const file = stat(configPath);
  if (file) {
    const m = file.mode;
    const detail = `${configPath} has mode ${octal(m)}`;
    const fix = `chmod 600 ${configPath} (security audit --fix does)`;
    if (file.isSymbolicLink()) out.push({ checkId: 'fs.config.symlink', severity: 'warn', title: 'Config file is a symlink', detail: `${configPath} is a symlink; make sure you trust its target.` });
    else if (m & 0o022) out.push({ checkId: 'fs.config.perms_writable', severity: 'critical', title: 'Config file is writable by others', detail: `${detail}; another user could change gateway and auth policies.`, remediation: fix });
    else if (m & 0o004) out.push({ checkId: 'fs.config.perms_world_readable', severity: 'critical', title: 'Config file is world-readable', detail: `${detail}; the config can contain tokens and private settings.`, remediation: fix });
    else if (m & 0o040) out.push({ checkId: 'fs.config.perms_group_readable', severity: 'warn', title: 'Config file is group-readable', detail: `${detail}; the config can contain tokens and private settings.`, remediation: fix });
  }
  return out;
}
