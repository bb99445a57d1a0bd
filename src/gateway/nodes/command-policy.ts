import { Scope } from '../../protocol/scopes.js';

/**
 * Which node commands the gateway lets through (protocol.md 6.4, 9.2; OpenClaw's "Node command
 * policy"): a platform ceiling, desktop host commands only once an operator approved them,
 * dangerous commands only with `gateway.nodes.commands.allow`, and `deny` above everything.
 * A command is invocable when it is declared ∩ approved ∩ allowed.
 */

const SYSTEM_RUN = ['system.run.prepare', 'system.run', 'system.which'];
const EXEC_APPROVALS = ['system.execApprovals.get', 'system.execApprovals.set'];
const FILE = ['fs.listDir', 'terminal.upload'];
const BROWSER_PROXY = ['browser.proxy', 'browser.proxy.upload.v1'];
const MCP_CALL = 'mcp.tools.call.v1';
const CLAUDE_RUN = 'agent.cli.claude.run.v1';
const NOTIFY = 'system.notify';
const SYSTEM = [...SYSTEM_RUN, ...EXEC_APPROVALS, ...FILE, NOTIFY, ...BROWSER_PROXY, MCP_CALL, CLAUDE_RUN];
const DESKTOP_SCREEN = ['screen.snapshot', 'desktop.stream'];
const COMPUTER = ['computer.act'];
const CAMERA = ['camera.list'];
const LOCATION = ['location.get'];
const DEVICE = ['device.info', 'device.status'];
const PERSONAL = ['contacts.search', 'calendar.events', 'reminders.list', 'photos.latest', 'motion.activity', 'motion.pedometer'];

/** Host commands a desktop node gets only through an approved surface. */
const DESKTOP_HOST = new Set([...SYSTEM_RUN, ...EXEC_APPROVALS, ...FILE, ...BROWSER_PROXY, MCP_CALL, CLAUDE_RUN, ...DESKTOP_SCREEN]);

/** Privacy-heavy or dangerous: never allowed without an explicit `commands.allow` entry. */
export const DANGEROUS_NODE_COMMANDS: readonly string[] = [
  'camera.snap', 'camera.clip', 'camera.ptz.control', 'screen.record', 'contacts.add', 'calendar.add', 'reminders.add',
  'sms.send', 'sms.search', 'health.summary',
];

/** Approving a surface with any of these needs `operator.admin` (protocol.md 6.4). */
const ADMIN_APPROVAL_COMMANDS = new Set([...SYSTEM_RUN, ...BROWSER_PROXY, 'fs.listDir', ...EXEC_APPROVALS]);

type PlatformId = 'ios' | 'watchos' | 'android' | 'macos' | 'windows' | 'linux' | 'unknown';

const PLATFORM_DEFAULTS: Record<PlatformId, readonly string[]> = {
  ios: [...CAMERA, ...LOCATION, ...DEVICE, ...PERSONAL, NOTIFY],
  watchos: [...DEVICE, NOTIFY],
  android: [
    ...CAMERA, ...LOCATION, 'notifications.list', 'notifications.actions', NOTIFY, ...DEVICE, 'device.permissions',
    'device.health', 'device.apps', ...PERSONAL, 'callLog.search', 'mobile.ui.observe', 'mobile.ui.act',
  ],
  macos: [...CAMERA, 'camera.ptz.status', ...LOCATION, ...DEVICE, 'device.apps', ...PERSONAL, ...SYSTEM, ...DESKTOP_SCREEN, ...COMPUTER],
  linux: [...SYSTEM, ...DESKTOP_SCREEN, ...COMPUTER],
  windows: [...CAMERA, ...LOCATION, ...DEVICE, ...SYSTEM, ...DESKTOP_SCREEN, ...COMPUTER],
  unknown: [...CAMERA, ...LOCATION, NOTIFY],
};

const PLATFORM_IDS = new Set<PlatformId>(['ios', 'watchos', 'android', 'macos', 'windows', 'linux']);
const FAMILY_TOKENS: [PlatformId, string[]][] = [
  ['ios', ['iphone', 'ipad', 'ios']], ['watchos', ['apple watch', 'watchos']], ['android', ['android']],
  ['macos', ['mac']], ['windows', ['windows']], ['linux', ['linux']],
];

/** The policy platform of a node: an exact platform name must agree with its device family. */
export function platformIdOf(platform: string | undefined, deviceFamily: string | undefined): PlatformId {
  const raw = (platform ?? '').trim().toLowerCase();
  const family = (deviceFamily ?? '').trim().toLowerCase();
  if (PLATFORM_IDS.has(raw as PlatformId)) {
    const id = raw as PlatformId;
    const agrees: Record<Exclude<PlatformId, 'unknown'>, boolean> = {
      ios: family === '' || /^(iphone|ipad|ios)$/.test(family), watchos: family === 'apple watch' || family === 'watchos',
      android: family === '' || family === 'android', macos: family === 'mac', windows: family === 'windows', linux: family === 'linux',
    };
    return agrees[id as Exclude<PlatformId, 'unknown'>] ? id : 'unknown';
  }
  if (raw !== '') return 'unknown';
  return FAMILY_TOKENS.find(([, tokens]) => tokens.some((t) => family.includes(t)))?.[0] ?? 'unknown';
}

/** `gateway.nodes.commands` as configured. */
export interface CommandsConfig {
  allow?: readonly string[];
  deny?: readonly string[];
}

export interface NodeFacts {
  platform?: string | undefined;
  deviceFamily?: string | undefined;
}

/**
 * The allowlist for invoking commands on a node. `approved` are its approved commands: desktop
 * host commands enter only through them.
 */
export function invokeAllowlist(cfg: CommandsConfig, node: NodeFacts, approved: readonly string[]): Set<string> {
  const id = platformIdOf(node.platform, node.deviceFamily);
  const desktop = id === 'macos' || id === 'windows' || id === 'linux';
  const base = PLATFORM_DEFAULTS[id].filter((c) => !desktop || !DESKTOP_HOST.has(c));
  const approvedHost = desktop ? approved.filter((c) => DESKTOP_HOST.has(c)) : [];
  const allow = new Set([...base, ...approvedHost].filter((c) => !DANGEROUS_NODE_COMMANDS.includes(c)));
  for (const c of cfg.allow ?? []) if (c.trim()) allow.add(c.trim());
  for (const c of cfg.deny ?? []) allow.delete(c.trim());
  return allow;
}

/** The ceiling of what a node may ask to have approved: its platform's commands, host and dangerous ones included. */
export function pairingAllowlist(cfg: CommandsConfig, node: NodeFacts): Set<string> {
  const allow = new Set([...PLATFORM_DEFAULTS[platformIdOf(node.platform, node.deviceFamily)]]);
  for (const c of cfg.allow ?? []) if (c.trim()) allow.add(c.trim());
  for (const c of cfg.deny ?? []) if (!DANGEROUS_NODE_COMMANDS.includes(c.trim())) allow.delete(c.trim());
  return allow;
}

/** Declared commands, trimmed and de-duplicated, that the pairing ceiling admits. */
export function admittedCommands(declared: readonly string[], ceiling: ReadonlySet<string>): string[] {
  return [...new Set(declared.map((c) => c.trim()).filter((c) => c !== ''))].filter((c) => ceiling.has(c));
}

/** `requiredApproveScopes` of a surface request (protocol.md 6.4). */
export function requiredApproveScopes(commands: readonly string[]): string[] {
  if (commands.length === 0) return [Scope.PAIRING];
  return commands.some((c) => ADMIN_APPROVAL_COMMANDS.has(c)) ? [Scope.PAIRING, Scope.ADMIN] : [Scope.PAIRING, Scope.WRITE];
}

export type CommandRefusal = 'command not allowlisted' | 'node did not declare commands' | 'command not declared by node';

/** Why `command` may not run on a node whose effective (declared ∩ approved) commands are `effective`. */
export function refusalOf(command: string, effective: readonly string[], allowlist: ReadonlySet<string>): CommandRefusal | undefined {
  if (!allowlist.has(command)) return 'command not allowlisted';
  if (effective.length === 0) return 'node did not declare commands';
  if (!effective.includes(command)) return 'command not declared by node';
  return undefined;
}

/** The operator-facing sentence for a refusal, worded like the real gateway's. */
export function refusalMessage(reason: CommandRefusal, command: string, platform: string | undefined, cfg: CommandsConfig, declared: readonly string[]): string {
  const where = platform ?? 'unknown';
  if (reason === 'command not declared by node') return `node command not allowed: the node (platform: ${where}) does not support "${command}"`;
  if (reason === 'node did not declare commands') {
    return declared.includes(command)
      ? "node command not allowed: the node's declared command surface is pending approval; run `farclaw nodes pending`, then `farclaw nodes approve <requestId>`"
      : 'node command not allowed: the node did not declare any supported commands';
  }
  if ((cfg.deny ?? []).some((c) => c.trim() === command)) return `node command not allowed: "${command}" is blocked by gateway.nodes.commands.deny`;
  if (DANGEROUS_NODE_COMMANDS.includes(command)) return `node command not allowed: "${command}" requires explicit gateway.nodes.commands.allow opt-in`;
  return `node command not allowed: "${command}" is not in the allowlist for platform "${where}"`;
}
