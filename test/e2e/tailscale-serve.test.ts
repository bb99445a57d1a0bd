// Managed Tailscale Serve/Funnel (assistant.md 12, issue 18) end to end: our real gateway
// process drives the stand-in `tailscale` (test/helpers/fake-tailscale.ts), whose foreground
// serve is a real reverse proxy adding Tailscale's headers in front of the managed listener.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { fakeTailscale, type FakeTailscale, type FakeTailscaleScript } from '../helpers/fake-tailscale.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { upgradeAnswer } from '../helpers/http-upgrade.js';
import { connectControlUi, TAILNET_BROWSER_HEADERS, TAILNET_DNS, UI_SCOPES } from '../helpers/tailnet-client.js';
import { waitFor } from '../helpers/wait-for.js';

const ALICE = { login: 'alice@example.com', name: 'Alice Example' };
const SERVE_CONFIG = { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, tailscale: { mode: 'serve' } } };

/**
 * Starts our gateway with the stand-in first on PATH. Each stand-in call is a Node process, so
 * on a loaded machine start-up takes a while: readiness gets a generous deadline of its own.
 */
async function gatewayWith(fake: FakeTailscale, config: unknown, waitReady = true): Promise<RunningGateway> {
  const gw = await startGateway({ config, env: fake.env({ PATH: process.env.PATH }), waitReady: false });
  if (!waitReady) return gw;
  try {
    await waitFor(`gateway on port ${gw.port} to be ready`, async () => {
      if (gw.proc.exitCode !== null) throw new Error(`gateway exited with ${gw.proc.exitCode}: ${gw.stderr().trim()}`);
      return await fetch(`http://127.0.0.1:${gw.port}/readyz`).then((r) => r.status === 200, () => false);
    }, 90_000);
  } catch (err) {
    await gw.stop('SIGKILL');
    throw err;
  }
  return gw;
}

describe('tailscale serve: start-up, identity and shutdown', () => {
  const d = useDisposers();
  let fake: FakeTailscale;
  let gw: RunningGateway;
  let readyAtMs = 0;

  before(async () => {
    fake = fakeTailscale({
      backendStates: ['Starting', 'Starting', 'Running'],
      whois: { '100.64.0.7': ALICE, '100.64.0.8': { login: 'bob@example.com' } },
      proxyClient: { ip: '100.64.0.7', ...ALICE },
      serveReadyDelayMs: 300,
    });
    gw = await gatewayWith(fake, SERVE_CONFIG, false);
    readyAtMs = await waitFor('the gateway to be ready', async () => {
      const ok = await fetch(`http://127.0.0.1:${gw.port}/readyz`).then((r) => r.status === 200, () => false);
      return ok ? Date.now() : false;
    }, 60_000);
  });
  after(async () => {
    await gw?.stop();
    fake?.dispose();
  });

  test('runs the CLI sequence of 12.2 and is ready only once serve printed its ready line', async () => {
    const argvs = fake.argvs();
    const claim = argvs.find((a) => a[1] === 'serve' && a[2] === '--yes');
    assert.ok(claim, JSON.stringify(argvs));
    const managedPort = Number(claim[4]);
    assert.notEqual(managedPort, gw.port, 'serve proxies to a dedicated listener, not the gateway port');
    assert.deepEqual(argvs, [
      ['tailscale', 'version'],
      ['tailscale', 'status', '--json'], ['tailscale', 'status', '--json'], ['tailscale', 'status', '--json'],
      ['tailscale', 'serve', 'status', '--json'],
      ['tailscale', 'serve', '--yes', '--bg=false', String(managedPort)],
      ['tailscale', 'status', '--json'],
    ]);
    const printed = fake.calls().find((c) => c.event === 'stdout');
    assert.ok(printed && printed.tMs <= readyAtMs, 'readiness came after the ready line');
    await waitFor('the serve log line', () => gw.stderr().includes(`serve enabled: https://${TAILNET_DNS}/ (WS via wss://${TAILNET_DNS})`));
    assert.equal((await fake.proxy()).target, managedPort);
  });

  test('a tailnet browser with a device and no token gets a tokenless operator (auth.method tailscale) after whois', async () => {
    const proxy = await fake.proxy();
    const { client, res } = await connectControlUi(proxy.port);
    d.defer(() => client.terminate());
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.method, 'tailscale');
    assert.equal(res.payload.auth.role, 'operator');
    assert.deepEqual(res.payload.auth.scopes, UI_SCOPES);
    assert.equal(res.payload.auth.deviceToken, undefined);
    const health = await client.call('health');
    assert.equal(health.ok, true);
    assert.deepEqual(fake.argvs().filter((a) => a[1] === 'whois'), [['tailscale', 'whois', '--json', '100.64.0.7']]);
  });

  test('a login that whois does not confirm falls back to ordinary auth, and whois is not re-run (cached)', async () => {
    const proxy = await fake.proxy();
    fake.script({ proxyClient: { ip: '100.64.0.7', login: 'mallory@example.com', name: 'Alice Example' } });
    try {
      const { client, res } = await connectControlUi(proxy.port);
      d.defer(() => client.terminate());
      assert.equal(res.ok, false);
      assert.equal(res.error?.details?.code, 'AUTH_TOKEN_MISSING');
      assert.equal((await client.waitClose()).code, 1008);
      assert.equal(fake.argvs().filter((a) => a[1] === 'whois').length, 1);
    } finally {
      fake.script({ proxyClient: { ip: '100.64.0.7', ...ALICE } });
    }
  });

  test('no identity header, no device, no browser Origin, or an explicit wrong token: no tailscale auth', async () => {
    const proxy = await fake.proxy();
    fake.script({ proxyClient: { ip: '100.64.0.7' } });
    try {
      const noLogin = await connectControlUi(proxy.port);
      d.defer(() => noLogin.client.terminate());
      assert.equal(noLogin.res.error?.details?.code, 'AUTH_TOKEN_MISSING');
    } finally {
      fake.script({ proxyClient: { ip: '100.64.0.7', ...ALICE } });
    }
    const noDevice = await connectControlUi(proxy.port, { device: null });
    d.defer(() => noDevice.client.terminate());
    assert.equal(noDevice.res.error?.code, 'NOT_PAIRED');
    const noOrigin = await connectControlUi(proxy.port, { headers: { Host: TAILNET_DNS } });
    d.defer(() => noOrigin.client.terminate());
    assert.equal(noOrigin.res.ok, false, 'not a browser: no identity sign-in');
    const wrongToken = await connectControlUi(proxy.port, { auth: { token: 'not-the-token-0123456789' } });
    d.defer(() => wrongToken.client.terminate());
    assert.equal(wrongToken.res.error?.details?.code, 'AUTH_TOKEN_MISMATCH');
  });

  test('the same identity headers on the ordinary listener are refused with 403 before the upgrade', async () => {
    const answer = await upgradeAnswer(gw.port, {
      ...TAILNET_BROWSER_HEADERS, 'x-forwarded-for': '100.64.0.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': TAILNET_DNS,
      'tailscale-user-login': ALICE.login, 'tailscale-user-name': ALICE.name,
    });
    assert.equal(answer.status, 403);
    assert.equal(JSON.parse(answer.body).error.type, 'proxy_attribution_required');
  });

  test('incomplete forwarded headers straight to the managed listener are refused with 403', async () => {
    const proxy = await fake.proxy();
    const answer = await upgradeAnswer(proxy.target, { 'x-forwarded-for': '100.64.0.7', 'tailscale-user-login': ALICE.login });
    assert.equal(answer.status, 403);
  });

  test('status, dashboard and gateway status show the tailnet URL while the claim runs', async () => {
    const env = gw.home.env;
    const st = await runFarclaw(['gateway', 'status', '--json', '--no-probe'], env);
    assert.equal(st.code, 0, st.stderr);
    const ts = JSON.parse(st.stdout).tailscale;
    assert.equal(ts.mode, 'serve');
    assert.equal(ts.serving, true);
    assert.equal(ts.url, `https://${TAILNET_DNS}/`);
    assert.equal(ts.servePid, (await fake.proxy()).pid);
    const human = await runFarclaw(['gateway', 'status', '--no-probe'], env);
    assert.match(human.stdout, new RegExp(`Tailscale: serve https://${TAILNET_DNS.replace(/\./g, '\\.')}/ \\(tailscale serve pid`));
    const status = await runFarclaw(['status'], env);
    assert.match(status.stdout, new RegExp(`https://${TAILNET_DNS.replace(/\./g, '\\.')}/`));
    const dash = await runFarclaw(['dashboard', '--json'], env);
    assert.equal(dash.code, 0, dash.stderr);
    assert.equal(JSON.parse(dash.stdout).tailnetUrl, `https://${TAILNET_DNS}/`);
  });

  test('shutdown sends SIGTERM to the foreground serve and makes no serve reset/off call', async () => {
    const proxy = await fake.proxy();
    assert.equal(await gw.stop(), 0);
    const signal = fake.calls().find((c) => c.event === 'signal');
    assert.equal(signal?.signal, 'SIGTERM');
    assert.equal(signal?.pid, proxy.pid);
    assert.deepEqual(fake.argvs().filter((a) => a.includes('reset') || a.includes('off')), []);
    const after = await runFarclaw(['gateway', 'status', '--json', '--no-probe'], gw.home.env);
    assert.equal(JSON.parse(after.stdout).tailscale.serving, false);
  });
});

describe('tailscale serve: a claim that dies', () => {
  test('gateway status says the URL is no longer served once the tailscale process is gone', async () => {
    const fake = fakeTailscale();
    const gw = await gatewayWith(fake, SERVE_CONFIG);
    try {
      process.kill((await fake.proxy()).pid, 'SIGKILL');
      const st = await waitFor('gateway status to notice', async () => {
        const r = await runFarclaw(['gateway', 'status', '--no-probe', '--json'], gw.home.env);
        const ts = JSON.parse(r.stdout).tailscale;
        return ts.serving === false ? r : undefined;
      }, 30_000, 200);
      assert.ok(st);
      const human = await runFarclaw(['gateway', 'status', '--no-probe'], gw.home.env);
      assert.match(human.stdout, /NOT served: the tailscale serve process \(pid \d+\) has ended/);
      await waitFor('the gateway to log the lost claim', () => gw.stderr().includes('is no longer served'));
    } finally {
      await gw.stop();
      fake.dispose();
    }
  });
});

describe('tailnet grants', () => {
  const d = useDisposers();
  let fake: FakeTailscale;
  let gw: RunningGateway;

  before(async () => {
    fake = fakeTailscale({
      whois: { '100.64.0.7': ALICE, '100.64.0.8': { login: 'bob@example.com' }, '100.64.0.9': { login: 'tagged-devices', tags: ['tag:kiosk'] } },
      proxyClient: { ip: '100.64.0.7', ...ALICE },
    });
    gw = await gatewayWith(fake, {
      gateway: {
        ...SERVE_CONFIG.gateway,
        auth: {
          mode: 'token', token: TEST_TOKEN,
          tailscale: { grants: { 'group:family': ['operator.read', 'operator.write'], 'tag:kiosk': ['operator.read'] }, groups: { 'group:family': ['Alice@Example.com'] } },
        },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    fake?.dispose();
  });

  const as = async (proxyClient: NonNullable<FakeTailscaleScript['proxyClient']>) => {
    fake.script({ proxyClient });
    const r = await connectControlUi((await fake.proxy()).port);
    d.defer(() => r.client.terminate());
    return r;
  };

  test('a group member gets only the granted scopes of what it asked for, and admin methods are refused', async () => {
    const { client, res } = await as({ ip: '100.64.0.7', ...ALICE });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.method, 'tailscale');
    assert.deepEqual(res.payload.auth.scopes, ['operator.read', 'operator.write']);
    assert.equal((await client.call('health')).ok, true);
    const pairing = await client.call('device.pair.list');
    assert.equal(pairing.ok, false);
    assert.match(pairing.error?.message ?? '', /missing scope: operator\.pairing/);
  });

  test('a tagged device without a login gets its tag grant; a tailnet user no grant names gets no tailscale auth', async () => {
    const kiosk = await as({ ip: '100.64.0.9' });
    assert.equal(kiosk.res.ok, true, JSON.stringify(kiosk.res.error));
    assert.deepEqual(kiosk.res.payload.auth.scopes, ['operator.read']);
    const bob = await as({ ip: '100.64.0.8', login: 'bob@example.com' });
    assert.equal(bob.res.error?.details?.code, 'AUTH_TOKEN_MISSING');
  });
});

describe('tailscale funnel', () => {
  const d = useDisposers();

  test('is refused (78) without password auth before any tailscale call', async () => {
    const fake = fakeTailscale();
    d.defer(() => fake.dispose());
    const gw = await gatewayWith(fake, { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, tailscale: { mode: 'funnel' } } }, false);
    assert.equal(await gw.exited, 78);
    assert.match(gw.stderr(), /tailscale funnel requires gateway auth mode=password/);
    assert.deepEqual(fake.calls(), []);
  });

  test('with a password: funnel claim, and funnel requests never get tokenless auth', async () => {
    const fake = fakeTailscale({ whois: { '203.0.113.9': ALICE, '100.64.0.7': ALICE } });
    d.defer(() => fake.dispose());
    const password = 'a-long-funnel-password-0123456789';
    const gw = await gatewayWith(fake, { gateway: { mode: 'local', auth: { mode: 'password', password, allowTailscale: true }, tailscale: { mode: 'funnel' } } });
    d.defer(() => gw.stop());
    const proxy = await fake.proxy();
    assert.equal(proxy.kind, 'funnel');
    assert.ok(fake.argvs().some((a) => a[1] === 'funnel' && a[3] === '--bg=false'));
    const anonymous = await connectControlUi(proxy.port);
    d.defer(() => anonymous.client.terminate());
    assert.equal(anonymous.res.error?.details?.code, 'AUTH_PASSWORD_MISSING');
    assert.deepEqual(fake.argvs().filter((a) => a[1] === 'whois'), []);
  });
});

describe('tailscale start-up failures', () => {
  const d = useDisposers();
  const failing = async (script: FakeTailscaleScript, pathOverride?: string) => {
    const fake = fakeTailscale(script);
    d.defer(() => fake.dispose());
    const env = pathOverride !== undefined ? { PATH: pathOverride } : fake.env({ PATH: process.env.PATH });
    const gw = await startGateway({ config: SERVE_CONFIG, env, waitReady: false });
    const code = await gw.exited;
    return { code, stderr: gw.stderr(), fake };
  };

  test('a missing tailscale binary is a clear error with the fix, exit 1', async () => {
    const r = await failing({}, '/usr/bin:/bin');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /tailscale CLI is not on PATH/);
    assert.match(r.stderr, /Fix: install Tailscale/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a logged-out node is a clear error with the fix, exit 1, and nothing is claimed', async () => {
    const r = await failing({ backendStates: ['NeedsLogin'] });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Tailscale is logged out/);
    assert.match(r.stderr, /tailscale up/);
    assert.ok(!r.fake.argvs().some((a) => a[2] === '--yes'));
  });

  test('https port 443 already served by something else is a clear error naming it', async () => {
    const r = await failing({ serveStatus: { TCP: { 443: { HTTPS: true } }, Web: { [`${TAILNET_DNS}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } } } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already served by http:\/\/127\.0\.0\.1:3000/);
    assert.match(r.stderr, /tailscale serve --https=443 off/);
  });

  test('a serve that exits at once is reported with its own words', async () => {
    const r = await failing({ serveFailure: { exitCode: 1, stderr: 'error: HTTPS is not enabled for this tailnet\n' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTPS is not enabled for this tailnet/);
  });
});

describe('tailscale permission errors', () => {
  test('a serve refused for lack of permission is retried with sudo -n and comes up', async () => {
    const fake = fakeTailscale({ requireRoot: ['serve'] });
    const gw = await gatewayWith(fake, SERVE_CONFIG);
    try {
      const starts = fake.calls().filter((c) => c.event === 'start' && c.argv[0] === 'serve');
      assert.deepEqual(starts.map((c) => [c.argv.join(' ').replace(/\d+$/, 'N'), c.sudo]), [
        ['serve status --json', false], ['serve status --json', true], ['serve --yes --bg=false N', false], ['serve --yes --bg=false N', true],
      ]);
      assert.equal((await fake.proxy()).kind, 'serve');
      assert.equal(await gw.stop(), 0);
      assert.ok(fake.calls().some((c) => c.event === 'signal' && c.sudo), 'SIGTERM reached the claim that runs under sudo');
    } finally {
      await gw.stop();
      fake.dispose();
    }
  });
});
