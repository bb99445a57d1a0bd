import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FarclawConfig } from '../../infra/config-schema.js';
import { GatewayError } from '../../protocol/errors.js';
import { isCleartextPairingHost, normalizeGatewayUrl, resolveSetupUrl, type SetupUrlContext } from './setup-url.js';

const ctx = (over: Partial<SetupUrlContext> & { config?: FarclawConfig } = {}): SetupUrlContext => ({
  config: {}, bind: { mode: 'lan', resolvedHost: '0.0.0.0' }, port: 18789, lanAddress: () => '192.168.5.9', ...over,
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'INVALID_REQUEST');
    return err.message;
  }
  assert.fail('expected a refusal');
}

describe('the gateway URL of a setup code', () => {
  it('normalizes URLs and bare hosts, and refuses credentials or other schemes', () => {
    assert.equal(normalizeGatewayUrl(' wss://gw.example.com/ ', 'ws'), 'wss://gw.example.com');
    assert.equal(normalizeGatewayUrl('https://gw.example.com:8443/ws', 'ws'), 'wss://gw.example.com:8443/ws');
    assert.equal(normalizeGatewayUrl('10.0.0.5:18789', 'ws'), 'ws://10.0.0.5:18789');
    assert.equal(normalizeGatewayUrl('gw.lan:18789', 'wss'), 'wss://gw.lan:18789');
    assert.equal(normalizeGatewayUrl('[fd00::1]:18789', 'ws'), 'ws://[fd00::1]:18789');
    for (const bad of ['', 'ftp://gw', 'ws://user:pw@gw:1', 'wss:gw', 'ws://']) assert.equal(normalizeGatewayUrl(bad, 'ws'), undefined, bad);
  });

  it('allows plaintext only toward loopback, private LAN, link-local, *.local and the emulator host', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]', '10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.0.1', '169.254.3.4', 'fd12::1', 'fe80::1%eth0', 'printer.local', '10.0.2.2']) {
      assert.equal(isCleartextPairingHost(host), true, host);
    }
    for (const host of ['100.64.0.1', '100.127.1.1', '172.32.0.1', '8.8.8.8', '2001:db8::1', 'gw.example.com', 'box.tail1234.ts.net']) {
      assert.equal(isCleartextPairingHost(host), false, host);
    }
  });

  it('takes the request URL, then the device-pair publicUrl, then gateway.remote.url, then the bind address', () => {
    const plugins = { plugins: { entries: { 'device-pair': { config: { publicUrl: 'wss://pair.example.com' } } } } } as FarclawConfig;
    const remote: FarclawConfig = { gateway: { remote: { url: 'wss://remote.example.com' } } };
    assert.deepEqual(resolveSetupUrl(ctx({ config: { ...plugins, ...remote } }), { publicUrl: '192.168.1.1:1' }), { url: 'ws://192.168.1.1:1', source: 'request.publicUrl' });
    assert.deepEqual(resolveSetupUrl(ctx({ config: { ...plugins, ...remote } }), {}), { url: 'wss://pair.example.com', source: 'plugins.entries.device-pair.config.publicUrl' });
    assert.deepEqual(resolveSetupUrl(ctx({ config: { ...plugins, ...remote } }), { preferRemoteUrl: true }), { url: 'wss://remote.example.com', source: 'gateway.remote.url' });
    assert.deepEqual(resolveSetupUrl(ctx({ config: remote }), {}), { url: 'wss://remote.example.com', source: 'gateway.remote.url' });
    assert.deepEqual(resolveSetupUrl(ctx(), {}), { url: 'ws://192.168.5.9:18789', source: 'gateway.bind=lan' });
    assert.deepEqual(resolveSetupUrl(ctx({ config: { gateway: { tls: { enabled: true } } } }), {}), { url: 'wss://192.168.5.9:18789', source: 'gateway.bind=lan' });
    assert.deepEqual(resolveSetupUrl(ctx({ bind: { mode: 'custom', resolvedHost: '10.9.8.7' } }), {}), { url: 'ws://10.9.8.7:18789', source: 'gateway.bind=custom' });
  });

  it('ignores gateway.remote.url of a gateway whose own config is in remote mode', () => {
    const config: FarclawConfig = { gateway: { mode: 'remote', remote: { url: 'wss://elsewhere.example.com' } } };
    assert.deepEqual(resolveSetupUrl(ctx({ config }), {}), { url: 'ws://192.168.5.9:18789', source: 'gateway.bind=lan' });
  });

  it('refuses a loopback-only gateway, a LAN bind without a LAN address, and plaintext over a tailnet', () => {
    assert.match(refusal(() => resolveSetupUrl(ctx({ bind: { mode: 'loopback', resolvedHost: '127.0.0.1' } }), {})), /^The gateway listens on loopback only/);
    assert.match(refusal(() => resolveSetupUrl(ctx({ lanAddress: () => undefined }), {})), /no private LAN IPv4 address/);
    assert.match(refusal(() => resolveSetupUrl(ctx({ bind: { mode: 'tailnet', resolvedHost: '100.80.1.2' } }), {})), /^Refusing to put plaintext ws:\/\/100\.80\.1\.2:18789 \(from gateway\.bind=tailnet\)/);
    assert.match(refusal(() => resolveSetupUrl(ctx(), { publicUrl: 'ftp://x' })), /^request\.publicUrl "ftp:\/\/x" is not a gateway URL/);
  });
});
