// Issue 13 item 1: an idle authenticated connection holds only what an open socket needs. Its
// listeners are shared by every connection (a per-connection closure would show up as a function
// only one socket has), and nothing of admission or of the handshake stays attached to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { join, relative, sep } from 'node:path';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { Connection } from '../../src/gateway/ws/connection.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { moduleRecorder, type LoadedModules } from '../helpers/loaded-modules.js';
import { connectParams, RawClient } from '../helpers/raw-client.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { GATEWAY_BUILTINS } from '../../src/infra/heap-tuning.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const TOKEN = 'idle-footprint-test-token-0123456789';
const MIB = 1024 * 1024;

/** Listener functions of `emitter` for `event` that `other` does not have: per-connection closures. */
function ownListeners(a: NodeJS.EventEmitter, b: NodeJS.EventEmitter, event: string): string[] {
  const shared = new Set(b.rawListeners(event));
  return a.rawListeners(event).filter((fn) => !shared.has(fn)).map((fn) => fn.name || '(anonymous)');
}

describe('an idle authenticated connection (issue 13 item 1)', () => {
  let home: TmpHome;
  let gateway: Gateway;
  let url: string;
  const clients: RawClient[] = [];

  before(async () => {
    home = tmpHome();
    ({ gateway, url } = await startInProcessGateway(home, { token: TOKEN }));
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.open(url);
      const res = await c.connect(connectParams(TOKEN));
      assert.equal(res.ok, true);
      clients.push(c);
    }
  });

  after(async () => {
    for (const c of clients) c.terminate();
    await gateway.stop();
    home.dispose();
  });

  it('shares every socket listener with the other connections and keeps none of admission', async () => {
    const conns = await waitFor('two authenticated connections', () => {
      const open = [...gateway.fanout.connections];
      return open.length === 2 ? (open as [Connection, Connection]) : undefined;
    }, 60_000);
    const [a, b] = conns;
    for (const event of ['message', 'close', 'pong', 'error']) {
      assert.deepEqual(ownListeners(a.ws, b.ws, event), [], `WebSocket '${event}' listeners of one connection only`);
    }
    for (const event of ['close', 'end', 'error', 'data', 'drain']) {
      assert.deepEqual(ownListeners(a.socket, b.socket, event), [], `TCP socket '${event}' listeners of one connection only`);
    }
  });

  it('still answers requests and closes cleanly after forgetting its handshake', async () => {
    const res = await clients[0]!.call('health');
    assert.equal(res.ok, true);
    clients[0]!.terminate();
    await waitFor('the connection is gone', () => (gateway.fanout.connections.size === 1 ? true : undefined), 60_000);
  });
});

describe('keepYoungGenerationSmall (issue 13 items 1 and 2)', () => {
  it('stops V8 from growing the young generation when many young objects survive', () => {
    const modulePath = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'infra', 'heap-tuning.js')).href;
    // Retains ~64 MB of short-lived-then-kept objects, the pattern that makes V8 grow new space.
    const script = `
      const { getHeapSpaceStatistics } = await import('node:v8');
      const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      if (process.argv[1] === 'tuned') (await import(${JSON.stringify(modulePath)})).keepYoungGenerationSmall();
      const before = newSpace();
      const kept = [];
      for (let i = 0; i < 400000; i++) kept.push({ i, s: 'x'.repeat(100) + i });
      process.stdout.write(JSON.stringify({ before, after: newSpace(), kept: kept.length }));
    `;
    const run = (mode: string): { before: number; after: number } => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, mode], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { before: number; after: number };
    };
    // V8 commits its initial 2 × 1 MiB lazily, then doubles up to 2 × 16 MiB on 64-bit.
    const untuned = run('default');
    assert.ok(untuned.after >= 16 * MIB, `V8 defaults grow new space under this load (${JSON.stringify(untuned)}), or the check below proves nothing`);
    const tuned = run('tuned');
    assert.ok(tuned.after <= 2 * MIB, `new space grew from ${tuned.before} to ${tuned.after} bytes`);
  });
});

/** Bundled modules an idle gateway must not read, each with the reason it could. */
const NOT_AT_IDLE: ReadonlyArray<[what: string, module: RegExp]> = [
  // Only the entry, the `gateway run` command and what both print errors with.
  ['the rest of the CLI', /^dist\/src\/cli\/(?!(main|program-root|gateway-run-command|cli-error|commands\/gateway-run)\.js$)/],
  ['QR codes', /^node_modules\/qrcode\//],
  ['mDNS (ciao)', /^node_modules\/@homebridge\/ciao\//],
  ['TLS certificate generation (node-forge)', /^node_modules\/node-forge\//],
  ['the Telegram channel (grammY)', /^node_modules\/grammy\//],
  ['the agent loop (AI SDK)', /^node_modules\/(ai|@ai-sdk\/[^/]+)\//],
];

describe('what an idle `farclaw gateway run` process loads (issue 13: idle RSS)', () => {
  const recorder = moduleRecorder();
  const dist = join(REPO_ROOT, 'dist');
  // Which modules each bundle file holds, written by scripts/bundle.mjs.
  const contents = JSON.parse(readFileSync(join(dist, 'bundle-contents.json'), 'utf8')) as Record<string, string[]>;
  let gw: RunningGateway | undefined;
  let loaded: LoadedModules;

  before(async () => {
    gw = await startGateway({ nodeArgs: recorder.nodeArgs, env: recorder.env, args: ['--token', TOKEN] });
    loaded = await recorder.read(gw);
  });

  after(async () => {
    await gw?.stop();
    recorder.dispose();
  });

  it('reads the bundle files holding the gateway and none of the code only other commands or options need', () => {
    const files = loaded.files.filter((f) => f.startsWith(dist + sep)).map((f) => relative(dist, f).split(sep).join('/'));
    assert.ok(files.includes('farclaw.mjs'), `the gateway ran from the bundle (${files.join(', ')})`);
    const modules = files.flatMap((f) => contents[f] ?? assert.fail(`${f} is not in dist/bundle-contents.json`));
    assert.ok(modules.includes('dist/src/gateway/gateway.js'), 'the loaded files hold the gateway');
    const bundled = Object.values(contents).flat();
    for (const [what, module] of NOT_AT_IDLE) {
      assert.ok(bundled.some((m) => module.test(m)), `${what}: no bundled module matches ${String(module)}, so this check proves nothing`);
      assert.deepEqual(modules.filter((m) => module.test(m)), [], `${what} loaded by an idle gateway`);
    }
  });

  it('imports node:tls by require(), so the root certificates are never parsed (scripts/bundle.mjs)', () => {
    const files = loaded.files.filter((f) => f.startsWith(dist + sep) && f.endsWith('.mjs'));
    const sources = files.map((f) => readFileSync(f, 'utf8'));
    assert.ok(sources.some((s) => s.includes('require("node:tls")')), 'an idle gateway loads node:tls (for TLS reloads), or this check proves nothing');
    for (const [i, s] of sources.entries()) {
      assert.doesNotMatch(s, /(from|import)\s*\(?\s*["'](node:)?tls["']/, `${relative(dist, files[i]!)} imports node:tls as an ES module`);
    }
  });

  it('loads every built-in its bundle files use before V8 flags change, and only those (heap-tuning.ts)', () => {
    const files = loaded.files.filter((f) => f.startsWith(dist + sep) && f.endsWith('.mjs'));
    const used = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*"(?:node:)?([a-z_/]+)"|require\("(?:node:)?([a-z_/]+)"\)/g)) {
        const name = m[1] ?? m[2]!;
        if (builtinModules.includes(name)) used.add(name);
      }
    }
    assert.ok(used.has('http') && used.has('crypto'), `built-ins found in the loaded bundle files: ${[...used].join(', ')}`);
    assert.deepEqual([...used].filter((b) => !GATEWAY_BUILTINS.includes(b)).sort(), [], 'used by the gateway but loaded after V8 flags changed');
    const loadedNames = new Set(loaded.builtins.map((b) => b.replace(/^NativeModule /, '')));
    assert.deepEqual(GATEWAY_BUILTINS.filter((b) => !loadedNames.has(b)), [], 'listed in GATEWAY_BUILTINS but not loaded by an idle gateway');
  });

  it('compiles no built-in module after V8 flags change, so each comes from node\'s code cache (heap-tuning.ts)', () => {
    const at = loaded.builtinsAtFlagChange;
    assert.ok(at !== undefined && at > 0, 'the gateway changed V8 flags, or this check proves nothing');
    assert.deepEqual(loaded.builtins.slice(at).filter((b) => b.startsWith('NativeModule ')), [], 'compiled from source with a fresh code cache kept in the malloc heap');
  });

  it('loads none of the built-in modules only the interactive commands use', () => {
    assert.ok(loaded.builtins.includes('NativeModule net'), 'process.moduleLoadList was read');
    assert.deepEqual(loaded.builtins.filter((b) => /^NativeModule (readline|dns\/promises)$/.test(b)), []);
  });
});

describe('an idle `farclaw gateway run` process and the optimizing compiler (issue 13: idle RSS)', () => {
  // TurboFan's first job pages in 3.4 MB of node's machine code that then stays resident; module
  // loading (path normalisation in node's loaders) made it run during start-up (scripts/bundle.mjs).
  it('optimizes no function from start to a first connection, and does under load', async () => {
    const gw = await startGateway({ nodeArgs: ['--trace-opt'], args: ['--token', TOKEN] });
    const marks = (): string[] => gw.stdout().split('\n').filter((l) => l.includes('for optimization to'));
    try {
      const c = await RawClient.open(gw.url);
      assert.equal((await c.connect(connectParams(TOKEN))).ok, true);
      assert.equal((await c.call('health')).ok, true);
      assert.deepEqual(marks(), [], 'functions optimized by an idle gateway');
      // The trace reaches stdout: enough calls do get code optimized.
      for (let i = 0; i < 2_000 && marks().length === 0; i++) assert.equal((await c.call('health')).ok, true);
      assert.notDeepEqual(marks(), [], 'no optimization traced under load, so the check above proves nothing');
      c.terminate();
    } finally {
      await gw.stop();
    }
  });
});
