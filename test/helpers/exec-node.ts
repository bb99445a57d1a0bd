import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { fakeModelConfig, operator } from './chat-gateway.js';
import { jsonOut, show } from './cli-output.js';
import { startFakeModel, type FakeModel } from './fake-model.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from './gateway-process.js';
import { startFarclawNode, type NodeHostProcess } from './node-host-process.js';
import type { RawClient } from './raw-client.js';
import { tmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';
import { startWsRecorder, type WsRecorder } from './ws-recorder.js';

/** `farclaw nodes <args>` against a test gateway, as its operator. */
export async function nodesCli(gw: RunningGateway, args: string[], timeoutMs = 60_000) {
  return await runFarclaw(['nodes', ...args, '--port', String(gw.port), '--token', TEST_TOKEN], gw.home.env, timeoutMs);
}

/**
 * Starts `farclaw node run` (display name `name`) against `gw` (dialling `port`, e.g. a recording
 * proxy in front of it) and approves its command surface with our CLI, as an owner would;
 * resolves with the process and its node id once it is usable.
 */
export async function startApprovedNode(gw: RunningGateway, nodeHome: TmpHome, name: string, withToken = true, port = gw.port): Promise<{ node: NodeHostProcess; nodeId: string }> {
  const node = startFarclawNode(['--host', '127.0.0.1', '--port', String(port), '--display-name', name, ...(withToken ? ['--token', TEST_TOKEN] : [])], nodeHome.env);
  const listed = async () => jsonOut(await nodesCli(gw, ['list', '--json'])).nodes as { nodeId: string; displayName: string; connected: boolean; commands: string[] }[];
  await waitFor(`node ${name} to ask for approval`, async () => {
    const pending = jsonOut(await nodesCli(gw, ['pending', '--json'])).pending as unknown[];
    if (pending.length > 0) return true;
    return (await listed()).some((n) => n.displayName === name && n.connected && n.commands.includes('system.run'));
  }, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${node.output()}`);
  });
  const pending = jsonOut(await nodesCli(gw, ['pending', '--json'])).pending as unknown[];
  if (pending.length > 0) {
    const approved = await nodesCli(gw, ['approve', '--latest']);
    if (approved.code !== 0) throw new Error(`approve failed: ${show(approved)}`);
  }
  const entry = await waitFor(`node ${name} usable`, async () =>
    (await listed()).find((n) => n.displayName === name && n.connected && n.commands.includes('system.run')), 30_000);
  return { node, nodeId: entry.nodeId };
}

/**
 * The pid of a `<program> …` process below `parentPid` (its child, or further down, e.g. under
 * the shell a node runs a wrapped command line in) whose command line matches `args`, if running.
 */
export function childProcess(parentPid: number, args: RegExp): number | undefined {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const procs = ps.split('\n').map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)).filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]?.trim() ?? '' }));
  const below = new Set([parentPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.find((p) => p.pid !== parentPid && below.has(p.pid) && args.test(p.args))?.pid;
}

/** The pid of a process in group `pgid` whose command line matches `args`, if running (not a zombie). */
export function groupMember(pgid: number, args: RegExp): number | undefined {
  const ps = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === pgid && !m[3]?.startsWith('Z') && args.test(m[4]?.trim() ?? '')) return Number(m[1]);
  }
  return undefined;
}

/** What `useExecNode` sets up for a test file; the fields are filled in its `before` hook. */
export interface ExecNodeFixture {
  fake: FakeModel;
  gw: RunningGateway;
  nodeHome: TmpHome;
  node: NodeHostProcess;
  nodeId: string;
  /** An admin operator with the `tool-events` cap (plus `caps`). */
  c: RawClient;
  /** Stops the gateway and starts it again on the same home, port and config; `gw` is the new one. */
  /** Restarts the gateway on its port and home, with `gateway` config merged over the fixture's. */
  restartGateway(gateway?: Record<string, unknown>): Promise<void>;
  /** With `record`: the proxy between the node and the gateway, holding every frame they exchanged. */
  recorder: WsRecorder | undefined;
}

/**
 * Declares the `before`/`after` hooks of an agent-on-a-node test file: the fake model, a gateway
 * (in its own home) whose agent runs `exec` on `host` (default `node`) in `mode`, one `farclaw
 * node run` named `build-box` whose owner allows `allow`, approved with our CLI, and an operator
 * connection. Everything closes after the file.
 */
export function useExecNode(opts: {
  allow: string[];
  mode: 'full' | 'ask' | 'allowlist' | 'deny';
  host?: 'node' | 'auto' | 'gateway';
  maxOutputBytes?: number;
  /** The node owner's cap on one run (`nodeHost.systemRun.timeoutMs`). */
  runTimeoutMs?: number;
  caps?: string[];
  /** Put a recording proxy (`recorder`) between the node and the gateway. */
  record?: boolean;
}): ExecNodeFixture {
  let gwHome: TmpHome | undefined;
  const config = (gateway: Record<string, unknown> = {}) => {
    const base = fakeModelConfig(f.fake);
    return { ...base, gateway: { ...(base.gateway as Record<string, unknown>), ...gateway }, tools: { exec: { host: opts.host ?? 'node', mode: opts.mode } } };
  };
  const f = {
    async restartGateway(gateway?: Record<string, unknown>) {
      if (await f.gw.stop() !== 0) throw new Error('the gateway did not stop cleanly');
      f.gw = await startGateway({ home: f.gw.home, port: f.gw.port, config: config(gateway) });
    },
  } as ExecNodeFixture;
  before(async () => {
    f.fake = await startFakeModel();
    f.nodeHome = tmpHome();
    f.nodeHome.writeConfig({ nodeHost: { systemRun: {
      allow: opts.allow, ...(opts.maxOutputBytes ? { maxOutputBytes: opts.maxOutputBytes } : {}), ...(opts.runTimeoutMs ? { timeoutMs: opts.runTimeoutMs } : {}),
    } } });
    gwHome = tmpHome();
    f.gw = await startGateway({ home: gwHome, config: config() });
    if (opts.record) f.recorder = await startWsRecorder(f.gw.url);
    ({ node: f.node, nodeId: f.nodeId } = await startApprovedNode(f.gw, f.nodeHome, 'build-box', true, f.recorder?.port ?? f.gw.port));
    f.c = await operator(f.gw.url, ['tool-events', ...(opts.caps ?? [])]);
  });
  after(async () => {
    f.c?.terminate();
    await f.node?.stop();
    await f.recorder?.close();
    await f.gw?.stop();
    await f.fake?.close();
    f.nodeHome?.dispose();
    gwHome?.dispose();
  });
  return f;
}
