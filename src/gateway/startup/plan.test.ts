import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadedConfig } from '../../infra/config.js';
import type { FarclawConfig } from '../../infra/config-schema.js';
import { planGatewayRun, type RunFlags } from './plan.js';
import { StartupError } from './startup-error.js';

const noFile: LoadedConfig = { path: '/x/farclaw.json', exists: false, raw: null, config: {} };
const file = (config: FarclawConfig): LoadedConfig => ({ path: '/x/farclaw.json', exists: true, raw: '{}', config });

function refusal(flags: RunFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv = {}): StartupError {
  try {
    planGatewayRun(flags, loaded, env);
  } catch (err) {
    assert.ok(err instanceof StartupError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('gateway run planning (remote-access.md 3.1, 4, 5)', () => {
  it('starts on loopback with a runtime token when nothing is configured', () => {
    const plan = planGatewayRun({}, noFile, {});
    assert.equal(plan.port, 18789);
    assert.deepEqual(plan.bind.hosts, ['127.0.0.1', '::1']);
    assert.equal(plan.auth.mode, 'token');
    assert.equal(plan.needsRuntimeToken, true);
  });

  it('resolves the port: flag, then env (FARCLAW_ then OPENCLAW_ name), then config', () => {
    const loaded = file({ gateway: { mode: 'local', port: 30001 } });
    assert.equal(planGatewayRun({ port: '30003' }, loaded, { FARCLAW_GATEWAY_PORT: '30002' }).port, 30003);
    assert.equal(planGatewayRun({}, loaded, { FARCLAW_GATEWAY_PORT: '30002', OPENCLAW_GATEWAY_PORT: '1' }).port, 30002);
    assert.equal(planGatewayRun({}, loaded, { OPENCLAW_GATEWAY_PORT: '[::1]:30004' }).port, 30004);
    assert.equal(planGatewayRun({}, loaded, {}).port, 30001);
  });

  it('refuses a bad port with exit 1', () => {
    const err = refusal({ port: '99999' }, noFile);
    assert.equal(err.exitCode, 1);
    assert.equal(err.message, 'Invalid --port: "99999" is not a port number (1-65535).');
  });

  it('enforces the start guard only when a config file exists', () => {
    const missing = refusal({}, file({ gateway: { port: 1234 } }));
    assert.equal(missing.exitCode, 78);
    assert.match(missing.message, /^Gateway start blocked: existing config is missing gateway\.mode\./);
    const remote = refusal({}, file({ gateway: { mode: 'remote' } }));
    assert.equal(remote.message, 'Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured.');
    assert.equal(planGatewayRun({ allowUnconfigured: true }, file({ gateway: { mode: 'remote' } }), {}).port, 18789);
  });

  it('validates enum options with exit 1', () => {
    assert.equal(refusal({ auth: 'bogus' }, noFile).message, 'Invalid --auth. Use "none", "token", "password", or "trusted-proxy".');
    assert.equal(refusal({ bind: 'bogus' }, noFile).message, 'Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".');
    assert.equal(refusal({ tailscale: 'bogus' }, noFile).exitCode, 1);
    assert.equal(refusal({ password: 'a', passwordFile: '/f' }, noFile).message, 'Use either --password or --password-file.');
  });

  it('refuses non-loopback binds without a secret (exit 78), whatever the mode', () => {
    for (const flags of [{ bind: 'lan', auth: 'none' }, { bind: 'lan' }, { bind: 'custom', auth: 'none' }]) {
      const err = refusal(flags, noFile);
      assert.equal(err.exitCode, 78);
      assert.equal(err.message.split('\n')[0], `Refusing to bind gateway to ${flags.bind} without auth.`);
    }
  });

  it('binds lan with a token, and custom to its host plus loopback', () => {
    const lan = planGatewayRun({ bind: 'lan', token: 'T' }, noFile, {});
    assert.deepEqual(lan.bind.hosts, ['0.0.0.0']);
    const custom = planGatewayRun({}, file({ gateway: { mode: 'local', bind: 'custom', customBindHost: '10.1.2.3', auth: { token: 'T' } } }), {});
    assert.deepEqual(custom.bind.hosts, ['10.1.2.3', '127.0.0.1']);
  });

  it('resolves the token from config before env before gateway.remote.token (5.1)', () => {
    const env = { FARCLAW_GATEWAY_TOKEN: 'env' };
    assert.equal(planGatewayRun({}, file({ gateway: { mode: 'local', auth: { token: 'cfg' } } }), env).auth.token, 'cfg');
    assert.equal(planGatewayRun({}, file({ gateway: { mode: 'local', remote: { token: 'remote' } } }), env).auth.token, 'env');
    assert.equal(planGatewayRun({}, file({ gateway: { mode: 'local', remote: { token: 'remote' } } }), {}).auth.token, 'remote');
    assert.equal(planGatewayRun({ token: 'flag' }, file({ gateway: { mode: 'local', auth: { token: 'cfg' } } }), {}).auth.token, 'flag');
  });

  it('derives password mode from a password and refuses password mode without one', () => {
    assert.equal(planGatewayRun({ password: 'pw' }, noFile, {}).auth.mode, 'password');
    assert.equal(planGatewayRun({ password: 'pw' }, noFile, {}).warnings.length, 1);
    const err = refusal({ auth: 'password' }, noFile);
    assert.equal(err.exitCode, 78);
    assert.equal(err.message.split('\n')[0], 'Gateway auth is set to password, but no password is configured.');
  });

  it('plans managed Tailscale from config or flag, with allowTailscale on by default for serve only (2.1)', () => {
    const serve = planGatewayRun({}, file({ gateway: { mode: 'local', auth: { token: 'T' }, tailscale: { mode: 'serve' } } }), {});
    assert.deepEqual(serve.tailscale, { mode: 'serve', allowTailscale: true });
    const off = planGatewayRun({ tailscale: 'off' }, file({ gateway: { mode: 'local', tailscale: { mode: 'serve' } } }), {});
    assert.equal(off.tailscale, undefined);
    const funnel = planGatewayRun({ tailscale: 'funnel', password: 'P' }, noFile, {});
    assert.deepEqual(funnel.tailscale, { mode: 'funnel', allowTailscale: false });
    const explicit = planGatewayRun({ tailscale: 'serve' }, file({ gateway: { mode: 'local', auth: { allowTailscale: false } } }), {});
    assert.deepEqual(explicit.tailscale, { mode: 'serve', allowTailscale: false });
  });

  it('refuses Serve/Funnel beyond loopback and with auth mode none (exit 78)', () => {
    const lan = refusal({ tailscale: 'serve', bind: 'lan', token: 'T' }, noFile);
    assert.equal(lan.exitCode, 78);
    assert.match(lan.message, /^tailscale serve requires gateway bind=loopback/);
    const none = refusal({ tailscale: 'serve', auth: 'none' }, noFile);
    assert.equal(none.exitCode, 78);
    assert.match(none.message, /^gateway\.auth\.mode=none cannot be used with gateway\.tailscale\.mode=serve/);
  });

  it('refuses token and password configured together without a mode', () => {
    const err = refusal({}, file({ gateway: { mode: 'local', auth: { token: 'a', password: 'b' } } }));
    assert.match(err.message, /gateway\.auth\.token and gateway\.auth\.password are both configured, but gateway\.auth\.mode is unset/);
  });

  it('refuses funnel without password mode and trusted-proxy without its config', () => {
    assert.equal(refusal({ tailscale: 'funnel', token: 'T' }, noFile).message, 'tailscale funnel requires gateway auth mode=password (set gateway.auth.password or FARCLAW_GATEWAY_PASSWORD)');
    assert.equal(
      refusal({ auth: 'trusted-proxy', bind: 'loopback' }, noFile).message,
      'gateway auth mode is trusted-proxy, but no trustedProxy config was provided (set gateway.auth.trustedProxy)',
    );
  });
  it('checks trusted-proxy start-up requirements in order, and starts when they hold', () => {
    const tp = (gateway: Record<string, unknown>) => file({ gateway: { mode: 'local', auth: { mode: 'trusted-proxy', ...gateway } } } as FarclawConfig);
    assert.equal(
      refusal({}, tp({ trustedProxy: {} })).message,
      'gateway auth mode is trusted-proxy, but trustedProxy.userHeader is empty (set gateway.auth.trustedProxy.userHeader)',
    );
    assert.match(refusal({}, tp({ trustedProxy: { userHeader: 'x-user' }, token: 'tok' })).message, /trusted-proxy and token auth are mutually exclusive$/);
    assert.equal(
      refusal({}, tp({ trustedProxy: { userHeader: 'x-user' } })).message,
      'gateway auth mode=trusted-proxy requires gateway.trustedProxies to be configured with at least one proxy IP',
    );
    const ok = file({ gateway: { mode: 'local', bind: 'lan', trustedProxies: ['10.0.0.0/8'], auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } } });
    const plan = planGatewayRun({}, ok, {});
    assert.equal(plan.auth.mode, 'trusted-proxy');
    assert.equal(plan.needsRuntimeToken, false);
  });

  it('refuses a trustedProxies entry that is neither an IP nor a CIDR, naming it', () => {
    for (const entry of ['10.0.0.0/33', 'proxy.local', '10.0.0.1/8/9', '::1/129', '10.0.0.0/']) {
      const err = refusal({}, file({ gateway: { mode: 'local', trustedProxies: ['127.0.0.1', entry] } }));
      assert.equal(err.exitCode, 78);
      assert.equal(err.message, `Invalid gateway.trustedProxies entry "${entry}": expected an IP address or CIDR (e.g. 10.0.0.5 or 10.0.0.0/8).`);
    }
    assert.equal(planGatewayRun({}, file({ gateway: { mode: 'local', trustedProxies: ['10.0.0.0/8', '::1', 'fd00::/8'] } }), {}).port, 18789);
  });
  it('adds the miskey hints to the exposure refusal', () => {
    const err = refusal({ bind: 'lan', auth: 'none' }, file({ gateway: { mode: 'local', token: 'x', remote: { token: 'y' } } as FarclawConfig['gateway'] & object }));
    assert.deepEqual(err.message.split('\n').slice(-2), [
      'Found "gateway.token" in config. Use "gateway.auth.token" instead.',
      '"gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth.',
    ]);
  });
});
