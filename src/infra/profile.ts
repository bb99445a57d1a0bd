import { homedir } from 'node:os';
import { join } from 'node:path';

/** `--dev` pins this port unless FARCLAW_GATEWAY_PORT is already set (remote-access.md 3.1). */
export const DEV_PORT = 19001;
const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** A bad root option; the CLI prints the message and exits 2. */
export class ProfileError extends Error {}

/** 32-bit FNV-1a over the UTF-8 bytes of `name`. */
function fnv1a(name: string): number {
  let hash = 2166136261;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}

/** The port a non-default profile derives from its name: 20000 + FNV-1a % 40000. */
export function profilePort(env: NodeJS.ProcessEnv): number | undefined {
  const name = env.FARCLAW_PROFILE?.trim();
  if (!name || name.toLowerCase() === 'default') return undefined;
  return 20000 + (fnv1a(name) % 40000);
}

/**
 * Consumes the root options `--profile <name>` and `--dev` (only before the first command word)
 * and returns argv without them plus the environment they imply: profile name, its own state
 * dir and config (unless set explicitly), and for `--dev` port 19001.
 */
export function applyRootProfileOptions(argv: readonly string[], env: NodeJS.ProcessEnv): { argv: string[]; env: NodeJS.ProcessEnv } {
  const head = argv.slice(0, 2);
  const rest = argv.slice(2);
  let profile: string | undefined;
  let dev = false;
  let i = 0;
  const kept: string[] = [];
  for (; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (!arg.startsWith('-')) break;
    if (arg === '--dev') {
      dev = true;
    } else if (arg === '--profile' || arg.startsWith('--profile=')) {
      const value = arg === '--profile' ? rest[++i] : arg.slice('--profile='.length);
      if (value === undefined || value === '' || value.startsWith('-')) throw new ProfileError('--profile requires a value');
      if (!PROFILE_NAME.test(value)) throw new ProfileError('Invalid --profile (use letters, numbers, "_", "-" only)');
      profile = value;
    } else {
      kept.push(arg);
    }
  }
  if (dev && profile !== undefined) throw new ProfileError('Cannot combine --dev with --profile');
  const out: NodeJS.ProcessEnv = { ...env };
  const name = dev ? 'dev' : profile;
  if (name !== undefined) {
    out.FARCLAW_PROFILE = name;
    if (name.toLowerCase() !== 'default') {
      const dir = join(env.HOME ?? homedir(), `.farclaw-${name}`);
      out.FARCLAW_STATE_DIR ??= dir;
      out.FARCLAW_CONFIG_PATH ??= join(dir, 'farclaw.json');
    }
    if (dev) out.FARCLAW_GATEWAY_PORT ??= String(DEV_PORT);
  }
  return { argv: [...head, ...kept, ...rest.slice(i)], env: out };
}
