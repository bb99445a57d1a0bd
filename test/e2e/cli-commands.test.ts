// `farclaw status`, `gateway status`, `gateway probe`, `gateway send` and `gateway agent`: our CLI
// binary against our gateway, each check in a fresh HOME. Main paths and --json shapes only; the
// acceptance items (F, O in cli-remote-mode, E in cli-credentials) live in their own files.
// Expectations: shared/spec/remote-access.md 13.2, 13.5, 13.6, 7.5; protocol.md 11.6, 11.7.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertExit, assertHasLine, flatText, jsonOut, linesOf, re, show, stderrLine1 } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

const T = TEST_TOKEN;
const WRONG = 'wrong-0123456789abcdef012345';

const PROBE_KEYS = ['ok', 'degraded', 'capability', 'ts', 'durationMs', 'timeoutMs', 'primaryTargetId', 'warnings', 'network', 'discovery', 'targets'];
const TARGET_KEYS = ['id', 'kind', 'url', 'active', 'tunnel', 'connect', 'auth', 'server', 'self', 'config', 'health', 'summary', 'presence'];
const sorted = (keys: string[]): string[] => [...keys].sort();

describe('CLI status, gateway status, gateway probe, gateway send/agent', () => {
  let gw: RunningGateway;
  let other: RunningGateway;
  /** Takes the wrong-token checks, so loopback failure delays (6.3) never slow the others. */
  let negativeGw: RunningGateway;
  before(async () => {
    [gw, other, negativeGw] = await Promise.all([
      startGateway({ args: ['--token', T] }),
      startGateway({ args: ['--token', T] }),
      startGateway({ args: ['--token', T] }),
    ]);
  });
  after(async () => {
    await Promise.all([gw?.stop(), other?.stop(), negativeGw?.stop()]);
  });

  const disposers: (() => unknown)[] = [];
  afterEach(() => {
    while (disposers.length) disposers.pop()?.();
  });
  const home = (config?: unknown): TmpHome => {
    const h = tmpHome();
    disposers.push(() => h.dispose());
    if (config !== undefined) h.writeConfig(config);
    return h;
  };
  const local = (port: number, token = T) => ({ gateway: { mode: 'local', port, auth: { mode: 'token', token } } });
  const cli = async (h: TmpHome, args: string[]) => await runFarclaw(args, h.env);

  // ---- status ----

  it('status on the local gateway shows the local loopback row with token auth, and --json the status payload', async () => {
    const h = home(local(gw.port));
    const [human, json] = await Promise.all([cli(h, ['status']), cli(h, ['status', '--json'])]);
    assertExit(human, 0);
    assert.match(flatText(human.stdout), new RegExp(`Gateway local · ${re(gw.url)} \\(local loopback\\) · reachable \\d+ms · auth token`), show(human));
    assert.match(flatText(human.stdout), /Presence 1 entry \(--all lists them\)/, show(human));
    assertExit(json, 0);
    const j = jsonOut(json);
    assert.equal(j.runtimeVersion, '0.1.0', show(json));
    assert.ok(Array.isArray(j.channelSummary) && j.sessions && j.heartbeat, show(json));
    assert.deepEqual(
      { mode: j.gateway.mode, url: j.gateway.url, urlSource: j.gateway.urlSource, reachable: j.gateway.reachable, error: j.gateway.error, host: typeof j.gateway.self?.host },
      { mode: 'local', url: gw.url, urlSource: 'local loopback', reachable: true, error: null, host: 'string' },
    );
  });

  it('status --all lists every presence entry, the gateway itself included', async () => {
    const h = home(local(gw.port));
    const [human, json] = await Promise.all([cli(h, ['status', '--all']), cli(h, ['status', '--all', '--json'])]);
    assertExit(human, 0);
    const lines = linesOf(human.stdout);
    const at = lines.indexOf('Presence');
    assert.ok(at >= 0, show(human));
    assert.match(flatText(lines.slice(at).join('\n')), / gateway \S+ \S+ .* self /, show(human));
    const presence = jsonOut(json).presence as { mode?: string }[];
    assert.ok(presence.some((p) => p.mode === 'gateway'), show(json));
  });

  it('status with nothing listening exits 0, reports unreachable in its table and the fix (not a stray error line) on stderr', async () => {
    const dead = await freePort();
    const h = home(local(dead));
    const r = await cli(h, ['status']);
    assertExit(r, 0);
    assert.equal(stderrLine1(r), 'Fix: farclaw doctor checks each hop to this gateway and prints the command that fixes the first broken one.', show(r));
    assert.doesNotMatch(r.stderr, /gateway connect failed/, show(r));
    assert.match(flatText(r.stdout), new RegExp(`Gateway local · ws://127\\.0\\.0\\.1:${dead} \\(local loopback\\) · unreachable \\(connect ECONNREFUSED`), show(r));
  });

  it('status in remote mode without gateway.remote.url reports misconfigured with the fallback source', async () => {
    const h = home({ gateway: { mode: 'remote', port: gw.port, auth: { token: T } } });
    const r = await cli(h, ['status', '--json']);
    assertExit(r, 0);
    const g = jsonOut(r).gateway;
    assert.deepEqual(
      { mode: g.mode, url: g.url, urlSource: g.urlSource, misconfigured: g.misconfigured, reachable: g.reachable },
      { mode: 'remote', url: gw.url, urlSource: 'missing gateway.remote.url (fallback local)', misconfigured: true, reachable: true },
      show(r),
    );
  });

  // ---- gateway status ----

  it('gateway status --json reports bind, port, a busy port and a connect-only probe of the local gateway', async () => {
    const h = home(local(gw.port));
    const r = await cli(h, ['gateway', 'status', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    for (const key of ['cli', 'logFile', 'service', 'config', 'gateway', 'port', 'rpc', 'extraServices', 'pluginVersionDrift']) assert.ok(key in j, `${key}\n${show(r)}`);
    assert.equal(j.service.installed, false, show(r));
    assert.deepEqual(
      { bindMode: j.gateway.bindMode, bindHost: j.gateway.bindHost, port: j.gateway.port, portSource: j.gateway.portSource, probeUrl: j.gateway.probeUrl, version: j.gateway.version },
      { bindMode: 'loopback', bindHost: '127.0.0.1', port: gw.port, portSource: 'config gateway.port', probeUrl: gw.url, version: '0.1.0' },
    );
    assert.equal(j.port.status, 'busy', show(r));
    assert.deepEqual(
      { ok: j.rpc.ok, kind: j.rpc.kind, capability: j.rpc.capability, url: j.rpc.url },
      { ok: true, kind: 'connect', capability: 'connected_no_operator_scope', url: gw.url },
    );
  });

  it('gateway status with nothing listening exits 0, says so on stderr and hints how to start it', async () => {
    const dead = await freePort();
    const h = home(local(dead));
    const [human, json] = await Promise.all([cli(h, ['gateway', 'status']), cli(h, ['gateway', 'status', '--json'])]);
    assertExit(human, 0);
    assertHasLine(human.stderr, `Connectivity probe: failed - connect ECONNREFUSED 127.0.0.1:${dead}`, human);
    assertHasLine(human.stdout, `Listening: nothing on port ${dead}`, human);
    assertExit(json, 0);
    const j = jsonOut(json);
    assert.equal(j.port.status, 'free', show(json));
    assert.equal(j.rpc.ok, false, show(json));
    assert.equal(j.rpc.connectFailure?.error, `connect ECONNREFUSED 127.0.0.1:${dead}`, show(json));
  });

  it('gateway status --no-probe opens no connection and leaves rpc out', async () => {
    const h = home(local(gw.port));
    const r = await cli(h, ['gateway', 'status', '--no-probe', '--json']);
    assertExit(r, 0);
    assert.equal('rpc' in jsonOut(r), false, show(r));
    const both = await cli(h, ['gateway', 'status', '--no-probe', '--require-rpc']);
    assertExit(both, 1);
    assert.equal(stderrLine1(both), 'Gateway status failed: Use either --no-probe or --require-rpc, not both.', show(both));
    assertHasLine(both.stderr, 'Fix: drop one of them: farclaw gateway status --require-rpc (or --no-probe)', both);
  });

  it('gateway status --url with --token probes that gateway; --require-rpc reads with read-only capability', async () => {
    const h = home();
    const r = await cli(h, ['gateway', 'status', '--url', gw.url, '--token', T, '--require-rpc', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    assert.deepEqual({ ok: j.rpc.ok, kind: j.rpc.kind, capability: j.rpc.capability }, { ok: true, kind: 'read', capability: 'read_only' }, show(r));
    assert.equal(j.gateway.probeUrl, gw.url, show(r));
  });

  // ---- gateway probe ----

  it('gateway probe in local mode probes the active local loopback with the local token (read works) and prints the 13.6 JSON shape', async () => {
    const h = home(local(gw.port));
    const [human, json] = await Promise.all([cli(h, ['gateway', 'probe']), cli(h, ['gateway', 'probe', '--json'])]);
    assertExit(human, 0);
    assert.deepEqual(linesOf(human.stdout).slice(0, 4), ['Gateway Status', 'Reachable: yes', 'Capability: read-only', 'Probe budget: 3000ms'], show(human));
    assertHasLine(human.stdout, `Local loopback ${gw.url}`, human);
    assert.doesNotMatch(human.stdout, /missing operator\.read/, show(human));
    assertExit(json, 0);
    const j = jsonOut(json);
    assert.deepEqual(sorted(Object.keys(j)), sorted(PROBE_KEYS), show(json));
    assert.deepEqual(j.discovery, { timeoutMs: 0, count: 0, beacons: [] });
    assert.equal(j.network.localLoopbackUrl, gw.url);
    assert.equal(j.targets.length, 1, show(json));
    const t = j.targets[0];
    assert.deepEqual(sorted(Object.keys(t)), sorted(TARGET_KEYS), show(json));
    assert.deepEqual(sorted(Object.keys(t.connect)), sorted(['ok', 'rpcOk', 'scopeLimited', 'latencyMs', 'error', 'close']));
    assert.deepEqual(
      { id: t.id, active: t.active, tunnel: t.tunnel, ok: t.connect.ok, scopeLimited: t.connect.scopeLimited, role: t.auth.role, version: t.server.version },
      { id: 'localLoopback', active: true, tunnel: null, ok: true, scopeLimited: false, role: 'operator', version: '0.1.0' },
    );
    assert.equal(j.primaryTargetId, 'localLoopback');
  });

  it('gateway probe --url --token lists the explicit target first, as primary, and drops the duplicate local URL', async () => {
    const h = home(local(gw.port));
    const r = await cli(h, ['gateway', 'probe', '--url', gw.url, '--token', T, '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    assert.deepEqual(j.targets.map((t: { id: string }) => t.id), ['explicit'], show(r));
    assert.equal(j.primaryTargetId, 'explicit');
  });

  it('gateway probe warns multiple_gateways for two different gateways, not for two URLs of the same one', async () => {
    const h = home({ gateway: { mode: 'local', port: gw.port, auth: { token: T }, remote: { url: `ws://localhost:${gw.port}`, token: T } } });
    const same = await cli(h, ['gateway', 'probe', '--json']);
    assertExit(same, 0);
    const codesOf = (j: Record<string, any>) => (j.warnings as { code: string }[]).map((w) => w.code);
    assert.equal(jsonOut(same).targets.length, 2, show(same));
    assert.ok(!codesOf(jsonOut(same)).includes('multiple_gateways'), show(same));
    const h2 = home({ gateway: { mode: 'local', port: gw.port, auth: { token: T }, remote: { url: other.url, token: T } } });
    const two = await cli(h2, ['gateway', 'probe', '--json']);
    assertExit(two, 0);
    const w = (jsonOut(two).warnings as { code: string; targetIds?: string[] }[]).find((x) => x.code === 'multiple_gateways');
    assert.deepEqual(w?.targetIds, ['configRemote', 'localLoopback'], show(two));
  });

  it('gateway probe with a wrong token still counts the gateway as reachable (it answered), exit 0', async () => {
    const h = home(local(await freePort()));
    const r = await cli(h, ['gateway', 'probe', '--url', negativeGw.url, '--token', WRONG, '--timeout', '10000', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    const t = (j.targets as Record<string, any>[]).find((x) => x.id === 'explicit');
    assert.deepEqual({ ok: t?.connect.ok, rpcOk: t?.connect.rpcOk, close: t?.connect.close?.code }, { ok: true, rpcOk: false, close: 1008 }, show(r));
    assert.match(String(t?.connect.error), /gateway token mismatch/, show(r));
    assert.ok((j.warnings as { code: string }[]).some((w) => w.code === 'probe_detail_failed'), show(r));
  });

  it('status --deep --json with a wrong token exits 1 with the request error', async () => {
    const h = home(local(negativeGw.port, WRONG));
    const r = await cli(h, ['status', '--deep', '--json']);
    assertExit(r, 1);
    const e = jsonOut(r).error;
    assert.equal(e?.type, 'gateway_request_error', show(r));
    assert.match(String(e?.message), /gateway token mismatch/, show(r));
  });

  it('gateway probe --port probes only that local port and exits 1 when nothing answers', async () => {
    const dead = await freePort();
    const h = home({ gateway: { mode: 'remote', remote: { url: gw.url, token: T } } });
    const r = await cli(h, ['gateway', 'probe', '--port', String(dead), '--json']);
    assertExit(r, 1);
    const j = jsonOut(r);
    assert.deepEqual(j.targets.map((t: { id: string; active: boolean }) => [t.id, t.active]), [['localLoopback', true]], show(r));
    assert.equal(j.ok, false);
  });

  it('gateway probe refuses --url together with --port', async () => {
    const h = home();
    const r = await cli(h, ['gateway', 'probe', '--url', gw.url, '--token', T, '--port', String(gw.port)]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'Use either --url or --port, not both.', show(r));
  });

  // ---- gateway send / agent ----

  it('gateway send --json surfaces the gateway error object (no channel configured), exit 1', async () => {
    const h = home(local(gw.port));
    const r = await cli(h, ['gateway', 'send', '--to', '+15550001', '--message', 'hi', '--json']);
    assertExit(r, 1);
    const e = jsonOut(r).error;
    assert.deepEqual({ type: e?.type, code: e?.code }, { type: 'gateway_request_error', code: 'INVALID_REQUEST' }, show(r));
    assert.match(String(e?.message), /^Error: Channel is required \(no configured channels detected\)/, show(r));
  });

  it('gateway agent --json surfaces UNAVAILABLE while no agent can run, exit 1', async () => {
    const h = home(local(gw.port));
    const r = await cli(h, ['gateway', 'agent', '--message', 'hi', '--json']);
    assertExit(r, 1);
    const e = jsonOut(r).error;
    assert.deepEqual({ type: e?.type, code: e?.code }, { type: 'gateway_request_error', code: 'UNAVAILABLE' }, show(r));
  });

  it('gateway send to a gateway that is not running reports the transport error, and --to is required', async () => {
    const dead = await freePort();
    const h = home(local(dead));
    const r = await cli(h, ['gateway', 'send', '--to', 'x', '--message', 'hi']);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), `Gateway not reachable at ws://127.0.0.1:${dead} (ECONNREFUSED).`, show(r));
    const missing = await cli(h, ['gateway', 'send', '--message', 'hi']);
    assertExit(missing, 1);
    assert.match(missing.stderr, /--to <dest>/, show(missing));
  });
});
