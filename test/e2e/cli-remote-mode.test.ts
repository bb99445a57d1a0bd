// Acceptance F (remote mode and command behaviour) and O (output shapes and timing): our CLI
// binary against our gateway, each check in a fresh HOME.
// Expectations: shared/spec/acceptance.md F and O, remote-access.md 7.5, 9, 13; OpenClaw names
// mapped to farclaw ("[farclaw]", FARCLAW_*). F9 differs on purpose: farclaw keeps
// `gateway send` / `gateway agent`, which surface the gateway's own error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { assertExit, assertHasLine, flatText, jsonOut, linesOf, re, show, stderrLine1 } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTcpTripwire, type TcpTripwire } from '../helpers/tcp-tripwire.js';
import { useDisposers } from '../helpers/disposers.js';
import { waitFor } from '../helpers/wait-for.js';
import type { TmpHome } from '../helpers/tmp-home.js';

const T = TEST_TOKEN;
const WRONG = 'wrong-0123456789abcdef012345';

/** The `--json` failure of a command whose target refused the TCP connect. */
const refusedJson = (dead: { url: string; port: number }, urlSource: string) => ({
  ok: false,
  error: {
    type: 'gateway_transport_error',
    kind: 'closed',
    message: `Gateway not reachable at ${dead.url} (ECONNREFUSED).`,
    reason: `connect ECONNREFUSED 127.0.0.1:${dead.port}`,
  },
  gateway: { url: dead.url, urlSource },
});

describe('CLI remote mode, command behaviour and output shapes (acceptance F, O)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ args: ['--token', T] });
  });
  after(async () => {
    await gw?.stop();
  });

  const { defer, home } = useDisposers();
  const tripwire = async (mode: 'reset' | 'silent'): Promise<TcpTripwire> => {
    const t = await startTcpTripwire(mode);
    defer(() => t.close());
    return t;
  };
  const cli = async (h: TmpHome, args: string[], env: NodeJS.ProcessEnv = {}) => await runFarclaw(args, { ...h.env, ...env });
  /** Config R of the checklist: remote mode at `url` with token `token` (plus extra gateway keys). */
  const remote = (url: string, token = T, extra: Record<string, unknown> = {}) => ({
    gateway: { mode: 'remote', ...extra, remote: { url, token } },
  });
  /** A remote URL where nothing listens (Rdead). */
  const deadUrl = async (): Promise<{ url: string; port: number }> => {
    const port = await freePort();
    return { url: `ws://127.0.0.1:${port}`, port };
  };
  const targetsOf = (j: Record<string, any>): Record<string, any>[] => (Array.isArray(j.targets) ? j.targets : []);

  // ---- F. Remote mode and command behaviour ----

  it('F1: health in remote mode prints the summary, and --json the health payload', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['health']);
    assertExit(r, 0);
    assert.match(r.stdout, /Gateway probe duration:/, show(r));
    assert.match(r.stdout, /Agents:/, show(r));
    const json = await cli(h, ['health', '--json']);
    assertExit(json, 0);
    const payload = jsonOut(json);
    for (const key of ['ok', 'ts', 'durationMs', 'plugins', 'channels', 'agents', 'sessions', 'eventLoop', 'defaultAgentId']) {
      assert.ok(key in payload, `health --json lacks ${key}\n${show(json)}`);
    }
    assert.equal(payload.ok, true);
  });

  it('F2: health against a dead remote reports ECONNREFUSED with the remote-url source (human and JSON)', async () => {
    const dead = await deadUrl();
    const h = home(remote(dead.url));
    const r = await cli(h, ['health']);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), `Gateway not reachable at ${dead.url} (ECONNREFUSED).`, show(r));
    assertHasLine(r.stderr, 'Source: config gateway.remote.url', r);
    const json = await cli(h, ['health', '--json']);
    assertExit(json, 1);
    assert.deepEqual(jsonOut(json), refusedJson(dead, 'config gateway.remote.url'), show(json));
  });

  it('F3: status shows the remote Gateway row as reachable with token auth, exit 0', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['status']);
    assertExit(r, 0);
    assert.match(
      flatText(r.stdout),
      new RegExp(`Gateway:? remote · ${re(gw.url)} \\(config gateway\\.remote\\.url\\) · reachable \\S+ · auth token`),
      show(r),
    );
    const json = await cli(h, ['status', '--json']);
    assertExit(json, 0);
    const g = jsonOut(json).gateway as Record<string, unknown> | undefined;
    assert.ok(g, show(json));
    for (const key of ['mode', 'url', 'urlSource', 'misconfigured', 'reachable', 'connectLatencyMs', 'self', 'error', 'authWarning']) {
      assert.ok(key in g, `status --json gateway lacks ${key}\n${show(json)}`);
    }
    assert.deepEqual(
      { mode: g.mode, url: g.url, urlSource: g.urlSource, misconfigured: g.misconfigured, reachable: g.reachable },
      { mode: 'remote', url: gw.url, urlSource: 'config gateway.remote.url', misconfigured: false, reachable: true },
    );
    assert.equal(typeof g.connectLatencyMs, 'number', show(json));
  });

  it('F3: status against a dead remote still exits 0 and shows unreachable with the connect error', async () => {
    const dead = await deadUrl();
    const h = home(remote(dead.url));
    const r = await cli(h, ['status']);
    assertExit(r, 0);
    assert.match(
      flatText(r.stdout),
      new RegExp(`Gateway:? remote · ${re(dead.url)} \\(config gateway\\.remote\\.url\\) · unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${dead.port}\\)`),
      show(r),
    );
    const json = await cli(h, ['status', '--json']);
    assertExit(json, 0);
    const g = jsonOut(json).gateway as Record<string, unknown> | undefined;
    assert.equal(g?.reachable, false, show(json));
    assert.equal(g?.error, `connect ECONNREFUSED 127.0.0.1:${dead.port}`, show(json));
    assert.equal(g?.connectLatencyMs, null, show(json));
  });

  it('F4: status --deep on a reachable remote adds a Health table and a Security audit, exit 0', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['status', '--deep']);
    assertExit(r, 0);
    const lines = linesOf(r.stdout);
    const healthAt = lines.findIndex((l) => l.trim() === 'Health');
    assert.ok(healthAt >= 0, `no Health section\n${show(r)}`);
    assert.match(flatText(lines.slice(healthAt).join('\n')), /Gateway reachable/, show(r));
    assert.ok(lines.some((l) => l.trim() === 'Security audit'), `no Security audit section\n${show(r)}`);
  });

  it('F4: status --deep against a dead remote exits 1 with the connect reason, the broken hop and its fix', async () => {
    const dead = await deadUrl();
    const h = home(remote(dead.url));
    const r = await cli(h, ['status', '--deep']);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), `Status check failed: connect ECONNREFUSED 127.0.0.1:${dead.port}`, show(r));
    assertHasLine(r.stderr, `Why: the first broken hop is TCP: nothing answers at 127.0.0.1:${dead.port} (ECONNREFUSED)`, r);
    assertHasLine(r.stderr, 'Fix: check the port in gateway.remote.url; on the gateway host: farclaw gateway status', r);
    assertHasLine(r.stderr, `Gateway target: ${dead.url}`, r);
    assert.doesNotMatch(r.stderr, /\[farclaw\]/, show(r));
  });

  it('F4: a wrong remote token leaves status at exit 0 (mismatch on stderr) but fails status --deep', async () => {
    const h = home(remote(gw.url, WRONG));
    const plain = await cli(h, ['status']);
    assertExit(plain, 0);
    assert.match(plain.stdout, /gateway token mismatch/, show(plain));
    assert.match(plain.stderr, /^Fix: farclaw doctor/m, show(plain));
    const deep = await cli(h, ['status', '--deep']);
    assertExit(deep, 1);
  });

  it('F5: gateway status ignores remote.url and probes the local loopback port; --require-rpc then fails', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['gateway', 'status', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    assert.equal(j.gateway?.probeUrl, 'ws://127.0.0.1:18789', show(r));
    assert.equal(j.rpc?.ok, false, show(r));
    const rpc = await cli(h, ['gateway', 'status', '--require-rpc']);
    assertExit(rpc, 1);
    assert.match(rpc.stderr, /Read probe: failed/, show(rpc));
  });

  it('F6: gateway status on a configured local gateway: connectivity ok; --require-rpc reads with read-only capability', async () => {
    const h = home({ gateway: { mode: 'local', port: gw.port, auth: { mode: 'token', token: T } } });
    const r = await cli(h, ['gateway', 'status']);
    assertExit(r, 0);
    assert.match(r.stdout + r.stderr, /Connectivity probe: ok/, show(r));
    const rpc = await cli(h, ['gateway', 'status', '--require-rpc']);
    assertExit(rpc, 0);
    assert.match(rpc.stdout + rpc.stderr, /Read probe: ok/, show(rpc));
    assert.match(rpc.stdout + rpc.stderr, /Capability: read-only/, show(rpc));
  });

  it('F7: gateway probe lists the active configured remote (primary) and the inactive local loopback', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['gateway', 'probe', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    const targets = targetsOf(j);
    const configRemote = targets.find((t) => t.id === 'configRemote');
    const local = targets.find((t) => t.id === 'localLoopback');
    assert.ok(configRemote && local, show(r));
    assert.deepEqual(
      { url: configRemote.url, active: configRemote.active, ok: configRemote.connect?.ok },
      { url: gw.url, active: true, ok: true },
      show(r),
    );
    assert.deepEqual({ url: local.url, active: local.active }, { url: 'ws://127.0.0.1:18789', active: false }, show(r));
    assert.equal(j.primaryTargetId, 'configRemote', show(r));
    // Implicit SSH inference (ssh_tunnel_failed when nothing answers on port 22) is not asserted:
    // farclaw's probe does not open SSH tunnels on its own.
  });

  it('F8: gateway probe with nothing reachable exits 1: Reachable no, no_gateway_reachable, primaryTargetId null', async () => {
    const dead = await deadUrl();
    const localDead = await freePort();
    const h = home(remote(dead.url, T, { port: localDead }));
    const r = await cli(h, ['gateway', 'probe']);
    assertExit(r, 1);
    assertHasLine(r.stdout, 'Reachable: no', r);
    // The real CLI's sentence also claims a Bonjour browse; ours says what was done and what to run.
    assert.match(r.stdout, /^- No gateway answered any probe \(the probe does not browse Bonjour: `farclaw gateway discover` lists .*Run `farclaw doctor`/m, show(r));
    assert.doesNotMatch(r.stdout + r.stderr, /Bonjour discovery returned|filing a report/, show(r));
    const json = await cli(h, ['gateway', 'probe', '--json']);
    assertExit(json, 1);
    const j = jsonOut(json);
    assert.equal(j.ok, false, show(json));
    assert.equal(j.primaryTargetId, null, show(json));
    const codes = (Array.isArray(j.warnings) ? j.warnings : []).map((w: { code?: unknown }) => w.code);
    assert.ok(codes.includes('no_gateway_reachable'), show(json));
  });

  it('F9: gateway send exists and surfaces the gateway\'s own error when no channel is configured, exit 1', async () => {
    const expected = await gatewayErrorMessage(gw, 'send', { to: '+15550001', message: 'hello', idempotencyKey: 'f9-send' });
    const h = home({ gateway: { mode: 'local', port: gw.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'send', '--to', '+15550001', '--message', 'hello']);
    assertExit(r, 1);
    assert.doesNotMatch(r.stderr, /has no command/, show(r));
    assert.ok(r.stderr.includes(expected), `expected the gateway's error ${JSON.stringify(expected)}\n${show(r)}`);
  });

  it('F9: gateway agent exists and surfaces the gateway\'s own error when no agent can run, exit 1', async () => {
    const expected = await gatewayErrorMessage(gw, 'agent', { message: 'hello', idempotencyKey: 'f9-agent' });
    const h = home({ gateway: { mode: 'local', port: gw.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'agent', '--message', 'hello']);
    assertExit(r, 1);
    assert.doesNotMatch(r.stderr, /has no command/, show(r));
    assert.ok(r.stderr.includes(expected), `expected the gateway's error ${JSON.stringify(expected)}\n${show(r)}`);
  });

  it('F10: gateway call --url to a closed port prints the exact transport-error JSON', async () => {
    const h = home();
    const dead = await deadUrl();
    const human = await cli(h, ['gateway', 'call', 'health', '--url', dead.url, '--token', 'x']);
    assertExit(human, 1);
    assert.equal(stderrLine1(human), `Gateway not reachable at ${dead.url} (ECONNREFUSED).`, show(human));
    assert.ok(linesOf(human.stderr).some((l) => l.startsWith('Fix: ')), show(human));
    assertHasLine(human.stderr, `Gateway target: ${dead.url}`, human);
    assertHasLine(human.stderr, 'Source: cli --url', human);
    assertHasLine(human.stderr, `Config: ${h.configPath}`, human);
    const r = await cli(h, ['gateway', 'call', 'health', '--url', dead.url, '--token', 'x', '--json']);
    assertExit(r, 1);
    assert.deepEqual(jsonOut(r), refusedJson(dead, 'cli --url'), show(r));
  });

  it('F11: a host that accepts and never answers times out after --timeout with kind timeout', async () => {
    const h = home();
    const silent = await tripwire('silent');
    const started = Date.now();
    const [json, human] = await Promise.all([
      cli(h, ['gateway', 'call', 'health', '--url', silent.url, '--token', 'x', '--timeout', '3000', '--json']),
      cli(h, ['gateway', 'call', 'health', '--url', silent.url, '--token', 'x', '--timeout', '3000']),
    ]);
    const elapsed = Date.now() - started;
    assertExit(json, 1);
    assert.deepEqual(
      jsonOut(json).error,
      { type: 'gateway_transport_error', kind: 'timeout', message: 'gateway timeout after 3000ms', timeoutMs: 3000 },
      show(json),
    );
    assertExit(human, 1);
    assert.equal(stderrLine1(human), 'gateway timeout after 3000ms', show(human));
    assert.ok(elapsed >= 3000 && elapsed < 15_000, `took ${elapsed}ms`);
  });

  it('F12: gateway health --url with --token prints "Gateway Health" and "OK (<n>ms)"', async () => {
    const h = home();
    const r = await cli(h, ['gateway', 'health', '--url', gw.url, '--token', T]);
    assertExit(r, 0);
    const lines = linesOf(r.stdout);
    assert.equal(lines[0], 'Gateway Health', show(r));
    assert.match(lines[1] ?? '', /^OK \(\d+ms\)$/, show(r));
  });

  // ---- O. Output shapes and timing ----

  it('O1: probing with a shared token only reports connected-no-operator-scope and a limited read probe', async () => {
    const h = home(remote(gw.url));
    const r = await cli(h, ['gateway', 'probe']);
    assertExit(r, 0);
    assertHasLine(r.stdout, 'Capability: connected-no-operator-scope', r);
    assert.match(r.stdout, /Read probe: limited - missing scope: operator\.read/, show(r));
    const json = await cli(h, ['gateway', 'probe', '--json']);
    assertExit(json, 0);
    const j = jsonOut(json);
    assert.equal(j.degraded, true, show(json));
    assert.equal(j.capability, 'connected_no_operator_scope', show(json));
    const codes = (Array.isArray(j.warnings) ? j.warnings : []).map((w: { code?: unknown }) => w.code);
    assert.ok(codes.includes('probe_scope_limited'), show(json));
  });

  it('O2: gateway probe budgets 3000 ms by default', async () => {
    const dead = await deadUrl();
    const h = home(remote(dead.url, T, { port: await freePort() }));
    const r = await cli(h, ['gateway', 'probe', '--json']);
    assert.equal(jsonOut(r).timeoutMs, 3000, show(r));
  });

  it('O2: gateway call, gateway health and gateway status default to 10000 ms; health waits longer', async () => {
    const silent = await tripwire('silent');
    const h = home();
    // `health` (default 60000 ms) runs alongside the three 10 s defaults and must outlive them.
    const health = spawn(process.execPath, [FARCLAW_BIN, 'health', '--json'], {
      env: { ...h.env, FARCLAW_GATEWAY_URL: silent.url, FARCLAW_GATEWAY_TOKEN: 'x' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let healthExit: number | null | undefined;
    const healthExited = new Promise<void>((resolve) =>
      health.once('exit', (code) => {
        healthExit = code;
        resolve();
      }),
    );
    defer(async () => {
      if (healthExit === undefined) health.kill('SIGKILL');
      await healthExited;
    });
    const timed = async (args: string[]) => {
      const started = Date.now();
      const r = await cli(h, args);
      return { r, elapsed: Date.now() - started };
    };
    const [{ r: call }, { r: gwHealth }, { r: status, elapsed: statusElapsed }] = await Promise.all([
      timed(['gateway', 'call', 'health', '--url', silent.url, '--token', 'x', '--json']),
      timed(['gateway', 'health', '--url', silent.url, '--token', 'x', '--json']),
      timed(['gateway', 'status', '--url', silent.url, '--token', 'x', '--json']),
    ]);
    for (const r of [call, gwHealth]) {
      assertExit(r, 1);
      assert.deepEqual(
        jsonOut(r).error,
        { type: 'gateway_transport_error', kind: 'timeout', message: 'gateway timeout after 10000ms', timeoutMs: 10000 },
        show(r),
      );
    }
    assertExit(status, 0);
    assert.equal(jsonOut(status).rpc?.ok, false, show(status));
    assert.ok(statusElapsed >= 10_000, `gateway status gave up after ${statusElapsed}ms`);
    assert.equal(healthExit, undefined, `health (default --timeout 60000) exited with ${String(healthExit)} within ~10 s`);
  });

  it('O3: the strictness error is matched on line 1; line 2 may show *** for "with"', async () => {
    const trap = await tripwire('reset');
    const h = home();
    const r = await cli(h, ['gateway', 'call', 'health', '--url', trap.url]);
    assertExit(r, 1);
    const lines = linesOf(r.stderr);
    assert.equal(lines[0], 'gateway url override requires explicit credentials', show(r));
    assert.match(lines[1] ?? '', /^Fix: pass --token or --password (with|\*\*\*) --url \(or gatewayToken in tools\)\.$/, show(r));
    assert.equal(await trap.settle(), 0);
  });
});

/** The error message the gateway itself gives for `method` to a fully authorised operator. */
async function gatewayErrorMessage(gw: RunningGateway, method: string, params: unknown): Promise<string> {
  const c = await RawClient.open(gw.url);
  try {
    const hello = await c.connect({ auth: { token: TEST_TOKEN }, scopes: ['operator.admin', 'operator.write', 'operator.read'] });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    let res = await c.call(method, params, 'err-1');
    // `agent` answers `accepted` first; its failure is the final response under the same id (assistant.md 4.1).
    if (res.ok && res.payload?.status === 'accepted') {
      res = await waitFor('the final agent response', () => c.frames.filter((f) => f.type === 'res' && f.id === 'err-1')[1], 30_000);
    }
    assert.equal(res.ok, false, `the gateway accepted ${method}: ${JSON.stringify(res)}`);
    return res.error?.message ?? '';
  } finally {
    c.terminate();
  }
}
