// Acceptance C (client target URL, plaintext ws:// policy) and K (profiles, ports, several
// gateways): our CLI binary against our gateway, each check in a fresh HOME.
// Expectations: shared/spec/acceptance.md C and K, remote-access.md 3, 7.1, 7.4; OpenClaw names
// mapped to farclaw (FARCLAW_*, ~/.farclaw-<profile>/farclaw.json, "[farclaw]").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertExit, assertHasLine, jsonOut, linesOf, re, show, stderrLine1 } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { startTcpTripwire, type TcpTripwire } from '../helpers/tcp-tripwire.js';
import { useDisposers } from '../helpers/disposers.js';
import type { TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const T = TEST_TOKEN;
/** Port derived from the profile name `foo` / `rescue` (FNV-1a, remote-access.md 3.1). */
const FOO_PORT = 47223;
const RESCUE_PORT = 23532;

describe('CLI target URL, plaintext policy, profiles and ports (acceptance C, K)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ args: ['--token', T] });
  });
  after(async () => {
    await gw?.stop();
  });

  const { defer, home } = useDisposers();
  const tripwire = async (mode: 'reset' | 'silent' = 'reset'): Promise<TcpTripwire> => {
    const t = await startTcpTripwire(mode);
    defer(() => t.close());
    return t;
  };
  const cli = async (h: TmpHome, args: string[], env: NodeJS.ProcessEnv = {}) => await runFarclaw(args, { ...h.env, ...env });
  /** `gateway status --json --no-probe` → `{port, configPath}`. */
  const statusPort = async (h: TmpHome, rootArgs: string[], env: NodeJS.ProcessEnv = {}, extra: string[] = []) => {
    const r = await cli(h, [...rootArgs, 'gateway', 'status', '--json', '--no-probe', ...extra], env);
    assertExit(r, 0);
    const j = jsonOut(r);
    return { port: j.gateway?.port as unknown, configPath: j.config?.cli?.path as unknown };
  };

  // ---- C. Target URL and plaintext policy ----

  it('C1: gateway call refuses --url together with --port before connecting', async () => {
    const h = home();
    const trap = await tripwire();
    const r = await cli(h, ['gateway', 'call', 'health', '--url', trap.url, '--port', String(trap.port), '--token', T]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'Gateway call failed: Use either --url or --port, not both.', show(r));
    assert.equal(await trap.settle(), 0, 'the CLI connected although the options conflict');
  });

  it('C1: gateway status refuses --url together with --port, saying what failed and which to drop', async () => {
    const h = home();
    const trap = await tripwire();
    const r = await cli(h, ['gateway', 'status', '--url', trap.url, '--port', String(trap.port)]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'Gateway status failed: Use either --url or --port, not both.', show(r));
    assert.ok(linesOf(r.stderr).some((l) => l.startsWith('Fix: drop one of them')), `expected the fix\n${show(r)}`);
    assert.equal(await trap.settle(), 0);
  });

  it('C2: refuses plaintext ws:// to a public IP literal before connecting, with the break-glass hint', async () => {
    const h = home();
    const port = await freePort();
    const r = await cli(h, ['gateway', 'call', 'health', '--url', `ws://192.0.2.2:${port}`, '--token', T]);
    assertExit(r, 1);
    assert.equal(
      stderrLine1(r),
      `Gateway call failed: SECURITY ERROR: Gateway URL "ws://192.0.2.2:${port}" uses plaintext ws:// to a non-loopback address.`,
      show(r),
    );
    assertHasLine(r.stderr, 'Both credentials and chat data would be exposed to network interception.', r);
    assertHasLine(r.stderr, 'Source: cli --url', r);
    assertHasLine(r.stderr, `Config: ${h.configPath}`, r);
    assertHasLine(r.stderr, 'Fix: Use wss:// for remote gateway URLs.', r);
    assert.ok(
      linesOf(r.stderr).some((l) => l.startsWith('Break-glass (trusted private networks only): set FARCLAW_ALLOW_INSECURE_PRIVATE_WS=1')),
      show(r),
    );
  });

  it('C3: FARCLAW_ALLOW_INSECURE_PRIVATE_WS=1 still refuses a public IP literal and drops the break-glass line', async () => {
    const h = home();
    const port = await freePort();
    const r = await cli(h, ['gateway', 'call', 'health', '--url', `ws://192.0.2.2:${port}`, '--token', T], {
      FARCLAW_ALLOW_INSECURE_PRIVATE_WS: '1',
    });
    assertExit(r, 1);
    assert.equal(
      stderrLine1(r),
      `Gateway call failed: SECURITY ERROR: Gateway URL "ws://192.0.2.2:${port}" uses plaintext ws:// to a non-loopback address.`,
      show(r),
    );
    assert.doesNotMatch(r.stderr, /Break-glass/, show(r));
  });

  it('C4: refuses ws:// to a public hostname; the break-glass env lets it through to a DNS failure', async () => {
    const h = home();
    const port = await freePort();
    // `.invalid` never resolves (RFC 6761), so the second half does not depend on this host's DNS.
    const url = `ws://gw.example.invalid:${port}`;
    const refused = await cli(h, ['gateway', 'call', 'health', '--url', url, '--token', T]);
    assertExit(refused, 1);
    assert.equal(
      stderrLine1(refused),
      `Gateway call failed: SECURITY ERROR: Gateway URL "${url}" uses plaintext ws:// to a non-loopback address.`,
      show(refused),
    );
    // What this host's resolver says about the name is the error the CLI must report.
    let dnsCode: string | undefined;
    try {
      await lookup('gw.example.invalid');
    } catch (err) {
      dnsCode = (err as NodeJS.ErrnoException).code;
    }
    assert.ok(dnsCode, 'gw.example.invalid must not resolve');
    const allowed = await cli(h, ['gateway', 'call', 'health', '--url', url, '--token', T, '--timeout', '5000'], {
      FARCLAW_ALLOW_INSECURE_PRIVATE_WS: '1',
    });
    assertExit(allowed, 1);
    assert.doesNotMatch(allowed.stderr, /SECURITY ERROR/, show(allowed));
    assert.equal(stderrLine1(allowed), `Gateway not reachable at ${url} (${dnsCode}).`, show(allowed));
    assertHasLine(allowed.stderr, 'Source: cli --url', allowed);
  });

  it('C5: allows plaintext ws:// to private, link-local, CGNAT, ULA, .local and .ts.net hosts (fails later in transport)', async () => {
    const h = home();
    const port = await freePort();
    const hosts = ['10.1.2.3', '172.16.5.4', '192.168.77.1', '100.64.1.2', '169.254.9.9', '[fd12::1]', 'gw.local', 'gw.ts.net'];
    const runs = await Promise.all(
      hosts.map(async (host) => ({
        host,
        r: await cli(h, ['gateway', 'call', 'health', '--url', `ws://${host}:${port}`, '--token', 'x', '--timeout', '2000', '--json']),
      })),
    );
    for (const { host, r } of runs) {
      assertExit(r, 1);
      assert.doesNotMatch(r.stdout + r.stderr, /SECURITY ERROR/, `${host}\n${show(r)}`);
      const type = jsonOut(r).error?.type;
      // A transport error, or (behind an intercepting network) the upgrade being refused.
      assert.ok(type === 'gateway_transport_error' || type === 'gateway_request_error', `${host}: error.type ${String(type)}\n${show(r)}`);
    }
  });

  it('C6: remote mode without gateway.remote.url fails with cli_error and the fix, for gateway call and health', async () => {
    const h = home({ gateway: { mode: 'remote' } });
    const message =
      `gateway remote mode misconfigured: gateway.remote.url missing\nConfig: ${h.configPath}\n` +
      'Fix: set gateway.remote.url, or set gateway.mode=local.';
    const json = await cli(h, ['gateway', 'call', 'health', '--json']);
    assertExit(json, 1);
    assert.deepEqual(jsonOut(json), { ok: false, error: { type: 'cli_error', message } }, show(json));

    const human = await cli(h, ['gateway', 'call', 'health']);
    assertExit(human, 1);
    assert.equal(stderrLine1(human), 'Gateway call failed: gateway remote mode misconfigured: gateway.remote.url missing', show(human));
    assertHasLine(human.stderr, `Config: ${h.configPath}`, human);
    assertHasLine(human.stderr, 'Fix: set gateway.remote.url, or set gateway.mode=local.', human);

    const health = await cli(h, ['health']);
    assertExit(health, 1);
    // The one CLI failure format (cli-error.ts): what failed, then the fix, then context.
    assert.equal(stderrLine1(health), 'Health check failed: gateway remote mode misconfigured: gateway.remote.url missing', show(health));
    assertHasLine(health.stderr, 'Fix: set gateway.remote.url, or set gateway.mode=local.', health);
    assertHasLine(health.stderr, `Config: ${h.configPath}`, health);
    assert.doesNotMatch(health.stderr, /\[farclaw\]|The CLI command failed/, show(health));

    const healthJson = await cli(h, ['health', '--json']);
    assertExit(healthJson, 1);
    assert.deepEqual(jsonOut(healthJson).error, { type: 'cli_error', message }, show(healthJson));
  });

  it('C7: FARCLAW_GATEWAY_PORT and FARCLAW_GATEWAY_TOKEN alone reach the loopback gateway on that port', async () => {
    const h = home();
    const r = await cli(h, ['health', '--json'], { FARCLAW_GATEWAY_PORT: String(gw.port), FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 0);
    assert.equal(jsonOut(r).ok, true, show(r));
  });

  it('C7: the OPENCLAW_GATEWAY_PORT / OPENCLAW_GATEWAY_TOKEN names still work as fallbacks', async () => {
    const h = home();
    const r = await cli(h, ['health', '--json'], { OPENCLAW_GATEWAY_PORT: String(gw.port), OPENCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 0);
    assert.equal(jsonOut(r).ok, true, show(r));
  });

  it('C8: --expect-url fails when the resolved URL differs and passes when it matches', async () => {
    const h = home();
    const other = await freePort();
    const r = await cli(h, ['gateway', 'call', 'health', '--url', gw.url, '--token', T, '--expect-url', `ws://127.0.0.1:${other}`]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'Gateway call failed: Gateway destination changed. Refresh the selected Gateway before retrying.', show(r));
    const ok = await cli(h, ['gateway', 'call', 'health', '--url', gw.url, '--token', T, '--expect-url', gw.url]);
    assertExit(ok, 0);
  });

  it('7.1: --port means the local loopback gateway and ignores FARCLAW_GATEWAY_URL', async () => {
    const h = home();
    const trap = await tripwire();
    const r = await cli(h, ['gateway', 'call', 'health', '--port', String(gw.port), '--token', T], { FARCLAW_GATEWAY_URL: trap.url });
    assertExit(r, 0);
    assert.equal(await trap.settle(), 0, 'the CLI went to FARCLAW_GATEWAY_URL although --port was given');
  });

  it('7.1: --port ignores the remote-mode target', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'remote', remote: { url: trap.url, token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--port', String(gw.port), '--token', T]);
    assertExit(r, 0);
    assert.equal(await trap.settle(), 0, 'the CLI went to gateway.remote.url although --port was given');
  });

  it('7.1: FARCLAW_GATEWAY_URL beats a remote-mode gateway.remote.url', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'remote', remote: { url: trap.url, token: 'remote-token-not-used' } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--json'], { FARCLAW_GATEWAY_URL: gw.url, FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 0);
    assert.equal(await trap.settle(), 0);
  });

  // ---- K. Profiles, ports, multiple gateways ----

  it('K1: --profile foo derives port 47223 and uses ~/.farclaw-foo/farclaw.json; rescue derives 23532', async () => {
    const h = home();
    assert.deepEqual(await statusPort(h, ['--profile', 'foo']), { port: FOO_PORT, configPath: join(h.home, '.farclaw-foo', 'farclaw.json') });
    assert.deepEqual(await statusPort(h, ['--profile', 'rescue']), {
      port: RESCUE_PORT,
      configPath: join(h.home, '.farclaw-rescue', 'farclaw.json'),
    });
  });

  it('K2: --dev pins port 19001 and ~/.farclaw-dev, unless FARCLAW_GATEWAY_PORT is set', async () => {
    const h = home();
    assert.deepEqual(await statusPort(h, ['--dev']), { port: 19001, configPath: join(h.home, '.farclaw-dev', 'farclaw.json') });
    assert.deepEqual(await statusPort(h, ['--dev'], { FARCLAW_GATEWAY_PORT: '40001' }), {
      port: 40001,
      configPath: join(h.home, '.farclaw-dev', 'farclaw.json'),
    });
  });

  it('K3: --profile default is the default layout on port 18789', async () => {
    const h = home();
    assert.deepEqual(await statusPort(h, ['--profile', 'default']), { port: 18789, configPath: h.configPath });
  });

  it('K4: FARCLAW_PROFILE alone changes the derived port but not the config path', async () => {
    const h = home();
    assert.deepEqual(await statusPort(h, [], { FARCLAW_PROFILE: 'foo' }), { port: FOO_PORT, configPath: h.configPath });
  });

  it('K5: --dev with --profile and a bad profile name are usage errors with exit 2', async () => {
    const h = home();
    const both = await cli(h, ['--dev', '--profile', 'x', 'gateway', 'status']);
    assertExit(both, 2);
    assert.match(stderrLine1(both), /^(\[farclaw\] )?Cannot combine --dev with --profile$/, show(both));
    const bad = await cli(h, ['--profile', 'bad name', 'gateway', 'status']);
    assertExit(bad, 2);
    assert.match(stderrLine1(bad), new RegExp(`^(\\[farclaw\\] )?${re('Invalid --profile (use letters, numbers, "_", "-" only)')}$`), show(bad));
    const missing = await cli(h, ['--profile']);
    assertExit(missing, 2);
    assert.match(stderrLine1(missing), /^(\[farclaw\] )?--profile requires a value$/, show(missing));
  });

  it('K6: port precedence is --port > FARCLAW_GATEWAY_PORT > gateway.port > profile hash > 18789', async () => {
    const h = home();
    const profileDir = join(h.home, '.farclaw-foo');
    mkdirSync(profileDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(profileDir, 'farclaw.json'), JSON.stringify({ gateway: { port: 40010 } }), { mode: 0o600 });
    const env = { FARCLAW_GATEWAY_PORT: '40011' };
    assert.equal((await statusPort(h, ['--profile', 'foo'], env, ['--port', '40012'])).port, 40012);
    assert.equal((await statusPort(h, ['--profile', 'foo'], env)).port, 40011);
    assert.equal((await statusPort(h, ['--profile', 'foo'])).port, 40010);
    assert.equal((await statusPort(h, ['--profile', 'rescue'])).port, RESCUE_PORT);
    assert.equal((await statusPort(h, [])).port, 18789);
  });

  it('K6: OPENCLAW_GATEWAY_PORT is a fallback that FARCLAW_GATEWAY_PORT overrides', async () => {
    const h = home();
    assert.equal((await statusPort(h, [], { OPENCLAW_GATEWAY_PORT: '40013' })).port, 40013);
    assert.equal((await statusPort(h, [], { OPENCLAW_GATEWAY_PORT: '40013', FARCLAW_GATEWAY_PORT: '40011' })).port, 40011);
  });

  it('K7: a second gateway run on the same state dir exits 78 naming the running gateway', async () => {
    const r = await runFarclaw(['gateway', 'run', '--port', String(await freePort())], gw.home.env, 20_000);
    assertExit(r, 78);
    assert.match(r.stderr, new RegExp(re(`a farclaw gateway is already running on port ${gw.port} (pid ${gw.proc.pid})`)), show(r));
  });

  it('K8: a gateway from another home on a port already in use exits 1 with both lines', async () => {
    const h = home();
    const r = await runFarclaw(['gateway', 'run', '--port', String(gw.port)], h.env, 20_000);
    assertExit(r, 1);
    assert.match(r.stderr, new RegExp(re(`another gateway instance is already listening on ws://127.0.0.1:${gw.port}`)), show(r));
    assertHasLine(r.stderr, `Port ${gw.port} is already in use.`, r);
  });

  it('K9: --profile foo gateway run listens on 127.0.0.1 and ::1 port 47223 with state under ~/.farclaw-foo', async () => {
    const h = home();
    const proc = spawn(process.execPath, [FARCLAW_BIN, '--profile', 'foo', 'gateway', 'run', '--allow-unconfigured', '--bind', 'loopback'], {
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.resume();
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      proc.once('exit', (code, signal) => {
        exitCode = code ?? (signal ? 128 : null);
        resolve();
      }),
    );
    defer(async () => {
      if (exitCode === undefined) proc.kill('SIGTERM');
      await exited;
    });
    const ready = async (host: string) =>
      await waitFor(
        `the foo-profile gateway on ${host}:${FOO_PORT}`,
        async () => {
          if (exitCode !== undefined) throw new Error(`gateway exited with ${String(exitCode)}: ${err.trim()}`);
          return (await fetch(`http://${host}:${FOO_PORT}/readyz`)).status === 200;
        },
        15_000,
      );
    await ready('127.0.0.1');
    await ready('[::1]');
    assert.ok(existsSync(join(h.home, '.farclaw-foo', 'logs', 'gateway.log')), `no log under ~/.farclaw-foo\n${err}`);
    assert.deepEqual(readdirSync(h.stateDir), [], 'the default state dir ~/.farclaw was written to');
  });
});
