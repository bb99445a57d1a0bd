// `farclaw security audit [--deep] [--json] [--fix]`, black-box (acceptance.md N, remote-access.md 15).
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import JSON5 from 'json5';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import type { TmpHome } from '../helpers/tmp-home.js';

const LONG = 'x'.repeat(48);

interface Finding { checkId: string; severity: string; title: string; detail: string; remediation?: string }

describe('security audit', () => {
  const d = useDisposers();

  /** Runs the audit in a home holding `config` (file 0600, state dir 0700 unless the case changes them). */
  async function audit(config: unknown, opts: { env?: NodeJS.ProcessEnv; args?: string[]; prepare?: (h: TmpHome) => void } = {}) {
    const home = d.home(config);
    opts.prepare?.(home);
    const r = await runFarclaw(['security', 'audit', '--json', ...(opts.args ?? [])], { ...home.env, ...opts.env });
    assertExit(r, 0);
    const out = jsonOut(r);
    return { r, home, out, findings: out.findings as Finding[] };
  }

  const ids = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.checkId}`).sort();

  /** One case per checkId: a config that raises it, and the severity it must have. */
  const CASES: { checkId: string; severity: string; config: unknown; env?: NodeJS.ProcessEnv; prepare?: (h: TmpHome) => void }[] = [
    { checkId: 'gateway.bind_no_auth', severity: 'critical', config: { gateway: { mode: 'local', bind: 'lan', auth: { mode: 'none' } } } },
    { checkId: 'gateway.loopback_no_auth', severity: 'critical', config: { gateway: { mode: 'local', auth: { mode: 'none' } } } },
    { checkId: 'gateway.trusted_proxies_missing', severity: 'warn', config: { gateway: { mode: 'local', auth: { token: LONG } } } },
    { checkId: 'gateway.control_ui.allowed_origins_required', severity: 'critical', config: { gateway: { mode: 'local', bind: 'lan', auth: { token: LONG } } } },
    { checkId: 'gateway.control_ui.allowed_origins_wildcard', severity: 'critical', config: { gateway: { mode: 'local', bind: 'lan', auth: { token: LONG }, controlUi: { allowedOrigins: ['*'] } } } },
    { checkId: 'gateway.control_ui.host_header_origin_fallback', severity: 'warn', config: { gateway: { mode: 'local', auth: { token: LONG }, controlUi: { dangerouslyAllowHostHeaderOriginFallback: true } } } },
    { checkId: 'gateway.real_ip_fallback_enabled', severity: 'critical', config: { gateway: { mode: 'local', bind: 'lan', auth: { token: LONG }, trustedProxies: ['10.0.0.1'], allowRealIpFallback: true } } },
    { checkId: 'gateway.tailscale_funnel', severity: 'critical', config: { gateway: { mode: 'local', tailscale: { mode: 'funnel' }, auth: { password: LONG } } } },
    { checkId: 'gateway.tailscale_serve', severity: 'info', config: { gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG } } } },
    { checkId: 'gateway.tailscale.identity_without_grants', severity: 'warn', config: { gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG } } } },
    { checkId: 'gateway.tailscale.grants', severity: 'info', config: { gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG, tailscale: { grants: { 'tag:ro': ['operator.read'] } } } } } },
    { checkId: 'gateway.token_too_short', severity: 'warn', config: { gateway: { mode: 'local', auth: { token: 'short' } } } },
    { checkId: 'gateway.password_too_short', severity: 'warn', config: { gateway: { mode: 'local', auth: { password: 'shortpw' } } } },
    { checkId: 'gateway.token_placeholder_value', severity: 'critical', config: { gateway: { mode: 'local', auth: { mode: 'token', token: 'null' } } } },
    { checkId: 'gateway.password_placeholder_value', severity: 'critical', config: { gateway: { mode: 'local', auth: { mode: 'password', password: 'undefined' } } } },
    { checkId: 'gateway.env_token_overrides_config', severity: 'warn', config: { gateway: { mode: 'local', auth: { token: LONG } } }, env: { FARCLAW_GATEWAY_TOKEN: `${LONG}-other` } },
    { checkId: 'gateway.remote_token_as_server_secret', severity: 'warn', config: { gateway: { mode: 'local', bind: 'lan', remote: { token: LONG } } } },
    { checkId: 'gateway.auth_no_rate_limit', severity: 'warn', config: { gateway: { mode: 'local', bind: 'lan', auth: { token: LONG } } } },
    { checkId: 'gateway.trusted_proxy_auth', severity: 'critical', config: { gateway: { mode: 'local', trustedProxies: ['10.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user', allowUsers: ['a'] } } } } },
    { checkId: 'gateway.trusted_proxy_no_proxies', severity: 'critical', config: { gateway: { mode: 'local', auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } } } },
    { checkId: 'gateway.trusted_proxy_no_user_header', severity: 'critical', config: { gateway: { mode: 'local', trustedProxies: ['10.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: {} } } } },
    { checkId: 'gateway.trusted_proxy_allow_loopback', severity: 'warn', config: { gateway: { mode: 'local', trustedProxies: ['127.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user', allowLoopback: true } } } } },
    { checkId: 'gateway.trusted_proxy_no_allowlist', severity: 'warn', config: { gateway: { mode: 'local', trustedProxies: ['10.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } } } },
    { checkId: 'gateway.trusted_proxy_device_auto_approve', severity: 'warn', config: { gateway: { mode: 'local', trustedProxies: ['10.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user', deviceAutoApprove: { enabled: true, scopes: ['operator.read'] } } } } } },
    { checkId: 'gateway.trusted_proxy_device_auto_approve_admin', severity: 'critical', config: { gateway: { mode: 'local', trustedProxies: ['10.0.0.1'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user', deviceAutoApprove: { enabled: true, scopes: ['operator.admin'] } } } } } },
    { checkId: 'gateway.http.no_auth', severity: 'warn', config: { gateway: { mode: 'local', auth: { mode: 'none' } } } },
    { checkId: 'discovery.mdns_full_mode', severity: 'warn', config: { gateway: { mode: 'local', auth: { token: LONG } }, discovery: { mdns: { mode: 'full' } } } },
    { checkId: 'config.secrets.gateway_password_in_config', severity: 'warn', config: { gateway: { mode: 'local', auth: { password: LONG } } } },
    { checkId: 'fs.config.perms_world_readable', severity: 'critical', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.configPath, 0o644) },
    { checkId: 'fs.config.perms_group_readable', severity: 'warn', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.configPath, 0o640) },
    { checkId: 'fs.config.perms_writable', severity: 'critical', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.configPath, 0o622) },
    { checkId: 'fs.state_dir.perms_world_writable', severity: 'critical', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.stateDir, 0o777) },
    { checkId: 'fs.state_dir.perms_group_writable', severity: 'warn', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.stateDir, 0o770) },
    { checkId: 'fs.state_dir.perms_readable', severity: 'warn', config: { gateway: { mode: 'local' } }, prepare: (h) => chmodSync(h.stateDir, 0o755) },
  ];

  for (const c of CASES) {
    test(`${c.checkId} (${c.severity})`, async () => {
      const { r, findings } = await audit(c.config, { ...(c.env ? { env: c.env } : {}), ...(c.prepare ? { prepare: c.prepare } : {}) });
      const hit = findings.filter((f) => f.checkId === c.checkId);
      assert.equal(hit.length, 1, show(r));
      assert.equal(hit[0]?.severity, c.severity);
      assert.ok(hit[0]?.title && hit[0].detail, 'title and detail are set');
    });
  }

  test('no finding carries a secret', async () => {
    const secret = 'sekrit-0123456789';
    const { r } = await audit({ gateway: { mode: 'local', bind: 'lan', auth: { password: secret } } });
    assert.doesNotMatch(r.stdout, new RegExp(secret));
  });

  test('N1: lan + none', async () => {
    const { findings, out } = await audit({ gateway: { mode: 'local', bind: 'lan', auth: { mode: 'none' } } });
    assert.deepEqual(ids(findings), [
      'critical gateway.bind_no_auth', 'critical gateway.control_ui.allowed_origins_required', 'critical gateway.http.no_auth', 'warn gateway.auth_no_rate_limit',
    ]);
    assert.deepEqual(out.summary, { critical: 3, warn: 1, info: 0 });
  });

  test('N2: lan + short token: no bind_no_auth', async () => {
    const { findings } = await audit({ gateway: { mode: 'local', bind: 'lan', auth: { token: 'short' } } });
    assert.deepEqual(ids(findings), ['critical gateway.control_ui.allowed_origins_required', 'warn gateway.auth_no_rate_limit', 'warn gateway.token_too_short']);
  });

  test('N3: loopback + none', async () => {
    const { findings } = await audit({ gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'none' } } });
    assert.deepEqual(ids(findings), ['critical gateway.loopback_no_auth', 'warn gateway.http.no_auth', 'warn gateway.trusted_proxies_missing']);
  });

  test('N4: funnel with a short password', async () => {
    const { findings } = await audit({ gateway: { mode: 'local', tailscale: { mode: 'funnel' }, auth: { password: 'shortpw' } } });
    for (const id of ['critical gateway.tailscale_funnel', 'warn gateway.password_too_short', 'warn config.secrets.gateway_password_in_config']) {
      assert.ok(ids(findings).includes(id), id);
    }
  });

  test('N5: serve with a long token: info and the proxy hint, plus farclaw\'s no-grants warning; no critical', async () => {
    const { findings, out } = await audit({ gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG } } });
    assert.deepEqual(ids(findings), ['info gateway.tailscale_serve', 'warn gateway.tailscale.identity_without_grants', 'warn gateway.trusted_proxies_missing']);
    assert.equal(out.summary.critical, 0);
  });

  test('tailnet grants are listed with group members; allowTailscale off raises no grant finding', async () => {
    const { findings } = await audit({ gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG, tailscale: {
      grants: { 'alice@example.com': ['operator.admin'], 'group:family': ['operator.read', 'operator.write'] }, groups: { 'group:family': ['bob@example.com'] },
    } } } });
    const grants = findings.find((f) => f.checkId === 'gateway.tailscale.grants');
    assert.match(grants?.detail ?? '', /alice@example\.com -> operator\.admin; group:family \(bob@example\.com\) -> operator\.read, operator\.write/);
    const off = await audit({ gateway: { mode: 'local', tailscale: { mode: 'serve' }, auth: { token: LONG, allowTailscale: false } } });
    assert.deepEqual(off.findings.filter((f) => f.checkId.startsWith('gateway.tailscale.')), []);
  });

  test('N6: trusted-proxy on lan without proxies, loopback allowed, no allowlist', async () => {
    const { findings } = await audit({
      gateway: { mode: 'local', bind: 'lan', auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-forwarded-user', allowLoopback: true } } },
    });
    assert.deepEqual(ids(findings), [
      'critical gateway.control_ui.allowed_origins_required', 'critical gateway.trusted_proxy_auth', 'critical gateway.trusted_proxy_no_proxies',
      'warn gateway.trusted_proxy_allow_loopback', 'warn gateway.trusted_proxy_no_allowlist',
    ]);
  });

  test('N7: a short remote token in remote mode counts', async () => {
    const { findings } = await audit({ gateway: { mode: 'remote', remote: { url: 'wss://gw.example:443', token: 'secret123' } } });
    assert.deepEqual(ids(findings), ['warn gateway.token_too_short', 'warn gateway.trusted_proxies_missing']);
  });

  test('N8 / N9: X-Real-IP fallback on loopback warns; an env token overriding the config warns', async () => {
    const n8 = await audit({ gateway: { mode: 'local', auth: { token: LONG }, trustedProxies: ['10.0.0.1'], allowRealIpFallback: true } });
    assert.deepEqual(ids(n8.findings), ['warn gateway.real_ip_fallback_enabled']);
    const n9 = await audit({ gateway: { mode: 'local', auth: { token: 'A'.repeat(30) } } }, { env: { FARCLAW_GATEWAY_TOKEN: 'B'.repeat(30) } });
    assert.ok(ids(n9.findings).includes('warn gateway.env_token_overrides_config'));
  });

  test('a clean local setup has nothing but the proxy hint, and the human output says so', async () => {
    const home = d.home({ gateway: { mode: 'local', auth: { token: LONG }, trustedProxies: ['10.0.0.1'] } });
    const r = await runFarclaw(['security', 'audit'], home.env);
    assertExit(r, 0);
    assert.match(r.stdout, /^farclaw security audit\nSummary: 0 critical · 0 warn · 0 info\n\nNo problems found\.\n$/);
  });

  test('--deep reports a gateway it cannot reach, and nothing once it runs', async () => {
    const port = await freePort();
    const config = { gateway: { mode: 'local', port, auth: { mode: 'token', token: TEST_TOKEN }, trustedProxies: ['10.0.0.1'] } };
    const down = await audit(config, { args: ['--deep'] });
    const failed = down.findings.find((f) => f.checkId === 'gateway.probe_failed');
    assert.equal(failed?.severity, 'warn', show(down.r));
    assert.match(failed?.detail ?? '', new RegExp(`ws://127\\.0\\.0\\.1:${port}`));
    const gw = await startGateway({ config, port });
    d.defer(() => gw.stop());
    const r = await runFarclaw(['security', 'audit', '--json', '--deep'], gw.home.env);
    assertExit(r, 0);
    assert.deepEqual(jsonOut(r).findings, [], show(r));
  });

  test('--deep reports a credential reference it cannot resolve', async () => {
    const { findings, r } = await audit({ gateway: { mode: 'local', auth: { token: { source: 'env', id: 'FARCLAW_TEST_UNSET_TOKEN' } } } }, { args: ['--deep'] });
    const f = findings.find((x) => x.checkId === 'gateway.probe_auth_secretref_unavailable');
    assert.equal(f?.severity, 'warn', show(r));
  });
});

describe('security audit --fix', () => {
  const d = useDisposers();

  test('applies the safe fixes atomically, keeps everything else and the old file, and says comments were dropped', async () => {
    const home = d.home();
    const original = [
      '// my gateway',
      '{',
      '  gateway: {',
      "    mode: 'local', bind: 'lan',",
      `    auth: { token: '${LONG}' },`,
      "    controlUi: { allowedOrigins: ['https://ui.example.com', '*'], dangerouslyAllowHostHeaderOriginFallback: true },",
      "    trustedProxies: ['10.0.0.1'], allowRealIpFallback: true,",
      '    nodes: { pairing: { autoApproveLocal: false } },',
      '  },',
      "  discovery: { mdns: { mode: 'full' } },",
      "  agents: { list: [{ id: 'main', model: 'x', temperature: 0.5 }], note: 'unicode ✓' },",
      '}',
      '',
    ].join('\n');
    writeFileSync(home.configPath, original, { mode: 0o644 });
    const before = JSON5.parse(original) as Record<string, any>;

    const r = await runFarclaw(['security', 'audit', '--fix'], home.env);
    assertExit(r, 0);
    assert.match(r.stdout, /note: the rewritten config no longer has the comments of the old file/);
    assert.match(r.stdout, /previous config kept at ~\/\.farclaw\/farclaw\.json\.bak/);
    assert.equal(readFileSync(`${home.configPath}.bak`, 'utf8'), original);

    const after = JSON5.parse(readFileSync(home.configPath, 'utf8')) as Record<string, any>;
    const expected = structuredClone(before);
    expected.gateway.auth.rateLimit = { maxAttempts: 10, windowMs: 60000, lockoutMs: 300000 };
    expected.gateway.controlUi = { allowedOrigins: ['https://ui.example.com'], dangerouslyAllowHostHeaderOriginFallback: false };
    expected.gateway.allowRealIpFallback = false;
    expected.discovery.mdns.mode = 'minimal';
    assert.deepEqual(after, expected);

    const again = jsonOut(await runFarclaw(['security', 'audit', '--json'], home.env));
    assert.deepEqual(again.findings.map((f: Finding) => f.checkId), [], JSON.stringify(again.findings));
    // The rewritten config is one the gateway accepts.
    const status = await runFarclaw(['gateway', 'status', '--json', '--no-probe'], home.env);
    assertExit(status, 0);
  });

  test('tightens the config file and state dir modes, and leaves what it cannot fix safely', async () => {
    const home = d.home({ gateway: { mode: 'local', bind: 'lan', auth: { mode: 'none' }, controlUi: { allowedOrigins: ['https://ui.example.com'] } } });
    chmodSync(home.configPath, 0o666);
    chmodSync(home.stateDir, 0o777);
    const r = await runFarclaw(['security', 'audit', '--fix', '--json'], home.env);
    assertExit(r, 0);
    const out = jsonOut(r);
    const remaining = (out.findings as Finding[]).map((f) => f.checkId).sort();
    assert.deepEqual(remaining, ['gateway.bind_no_auth', 'gateway.http.no_auth']);
    assert.ok((out.fix.actions as { checkId: string }[]).some((a) => a.checkId === 'fs.config.perms_writable'));
    const { statSync } = await import('node:fs');
    assert.equal(statSync(home.configPath).mode & 0o777, 0o600);
    assert.equal(statSync(home.stateDir).mode & 0o777, 0o700);
  });

  test('a file without comments is rewritten without the note; nothing to fix writes nothing', async () => {
    const home = d.home({ gateway: { mode: 'local', bind: 'lan', auth: { token: LONG }, controlUi: { allowedOrigins: ['https://ui.example.com'] } } });
    const r = await runFarclaw(['security', 'audit', '--fix'], home.env);
    assertExit(r, 0);
    assert.doesNotMatch(r.stdout, /comments/);
    assert.match(r.stdout, /gateway\.auth_no_rate_limit: set gateway\.auth\.rateLimit/);
    const clean = d.home({ gateway: { mode: 'local', auth: { token: LONG }, trustedProxies: ['10.0.0.1'] } });
    const before = readFileSync(clean.configPath, 'utf8');
    const r2 = await runFarclaw(['security', 'audit', '--fix'], clean.env);
    assert.match(r2.stdout, /Fix: nothing to change safely\./);
    assert.equal(readFileSync(clean.configPath, 'utf8'), before);
  });

  test('refuses to rewrite a config that plain JSON cannot hold, and changes nothing', async () => {
    const home = d.home();
    const text = "{ gateway: { mode: 'local', bind: 'lan', auth: { token: '" + LONG + "' } }, limits: { max: Infinity } }\n";
    writeFileSync(home.configPath, text, { mode: 0o600 });
    const r = await runFarclaw(['security', 'audit', '--fix'], home.env);
    assertExit(r, 1);
    assert.match(r.stderr, /Not rewriting .*farclaw\.json: it holds values plain JSON cannot keep/);
    assert.equal(readFileSync(home.configPath, 'utf8'), text);
  });
});
