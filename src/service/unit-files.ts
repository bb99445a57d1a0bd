/**
 * Service definitions for an always-on gateway or tunnel: a systemd user unit (Linux) and a
 * LaunchAgent plist (macOS), rendered from one spec. Secrets never appear here: the unit only
 * names a 0600 environment file (env-file.ts) that holds them.
 */
export interface ServiceSpec {
  /** `gateway` or `tunnel` (plus `-<profile>` for a profile). */
  name: string;
  description: string;
  /** Absolute argv: the node binary, our CLI entry, then the command. */
  command: string[];
  envFile: string;
  workingDir: string;
  /** Exit code after which the service must not be restarted (a person has to act). */
  noRestartExitCode: number;
}

/** systemd unit name, e.g. `farclaw-gateway.service`. */
export const systemdUnitName = (spec: Pick<ServiceSpec, 'name'>): string => `farclaw-${spec.name}.service`;

/** launchd label, e.g. `ai.farclaw.gateway`. */
export const launchdLabel = (spec: Pick<ServiceSpec, 'name'>): string => `ai.farclaw.${spec.name}`;

/** Quotes one ExecStart word the way systemd splits them (double quotes, \\ and " escaped). */
function systemdWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A systemd user unit: restarts on failure except after `noRestartExitCode`, credentials from EnvironmentFile. */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=${spec.description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${spec.command.map(systemdWord).join(' ')}`,
    `WorkingDirectory=${systemdWord(spec.workingDir)}`,
    `EnvironmentFile=${systemdWord(spec.envFile)}`,
    'Restart=always',
    'RestartSec=2',
    `RestartPreventExitStatus=${spec.noRestartExitCode}`,
    // Stop the whole cgroup: the tunnel's ssh children go with it.
    'KillMode=control-group',
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A LaunchAgent. launchd has no environment-file setting, so the program is `/bin/sh` loading
 * the env file (`set -a; . file`) and exec-ing the command; KeepAlive restarts it unless it
 * exited with `noRestartExitCode` (checked by the wrapper, which then exits 0).
 */
export function launchAgentPlist(spec: ServiceSpec, logPath: string): string {
  const script = `set -a; . "$0"; set +a; "$@"; code=$?; [ "$code" -eq ${spec.noRestartExitCode} ] && exit 0; exit "$code"`;
  const args = ['/bin/sh', '-c', script, spec.envFile, ...spec.command];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${xml(launchdLabel(spec))}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args.map((a) => `    <string>${xml(a)}</string>`),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  <string>${xml(spec.workingDir)}</string>`,
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>2</integer>',
    '  <key>StandardOutPath</key>',
    `  <string>${xml(logPath)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(logPath)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
