import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { FARCLAW_BIN } from './paths.js';
import { ensurePeer } from './peer.js';

/** A long-running node host (ours or OpenClaw's) in its own process group. */
export interface NodeHostProcess {
  proc: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Sends a signal to the whole group (SIGSTOP/SIGCONT to freeze and thaw it). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (or the given signal), then waits for exit. Idempotent. */
  stop(sig?: NodeJS.Signals): Promise<void>;
  exited: Promise<void>;
}

const live = new Set<ChildProcess>();
let isExitHookInstalled = false;

function groupKill(proc: ChildProcess, sig: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, sig);
  } catch {
    // group already gone
  }
}

function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): NodeHostProcess {
  if (!isExitHookInstalled) {
    isExitHookInstalled = true;
    process.on('exit', () => {
      for (const p of live) groupKill(p, 'SIGKILL');
    });
  }
  const proc = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(proc, 'exit').then(() => {
    live.delete(proc);
    groupKill(proc, 'SIGKILL');
  });
  return {
    proc,
    output: () => out,
    signal: (sig) => groupKill(proc, sig),
    exited,
    async stop(sig = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        groupKill(proc, 'SIGCONT');
        groupKill(proc, sig);
        const timer = setTimeout(() => groupKill(proc, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** `farclaw node run <args>` with this environment (its HOME holds the node's identity and config). */
export function startFarclawNode(args: string[], env: NodeJS.ProcessEnv): NodeHostProcess {
  return spawnGroup(process.execPath, [FARCLAW_BIN, 'node', 'run', ...args], env, env.HOME ?? process.cwd());
}

/** The real `openclaw node run <args>` with Node 24 from the peer cache. */
export async function startOpenclawNode(args: string[], env: NodeJS.ProcessEnv): Promise<NodeHostProcess> {
  const peer = await ensurePeer();
  return spawnGroup(peer.nodeBin, [peer.openclawEntry, 'node', 'run', ...args], peer.env(env), env.HOME ?? peer.cacheDir);
}
