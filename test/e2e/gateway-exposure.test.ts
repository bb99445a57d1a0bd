// Issue 12.11: what a connection or an HTTP request learns depends on who it is, not on what it asks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import { getRequest } from '../helpers/raw-http.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { connect } from 'node:net';

const TOKEN = 'exposure-token-0123456789abcdef';

async function helloWith(url: string, params: Record<string, unknown>) {
  const c = await RawClient.open(url);
  try {
    const res = await c.connect(params);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    return res.payload as { snapshot: Record<string, unknown>; auth: { scopes: string[] } };
  } finally {
    c.terminate();
  }
}

/** The JSON body of a raw GET (the Host header is ours to choose). */
function rawGetJson(port: number, target: string, host: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const s = connect(port, '127.0.0.1', () => s.write(getRequest(target).replace('Host: 127.0.0.1', `Host: ${host}`)));
    s.on('data', (d: Buffer) => (raw += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))));
  });
}

describe('exposure (issue 12.11)', () => {
  let home: TmpHome;
  let gateway: Gateway;
  let url: string;
  let port: number;
  before(async () => {
    home = tmpHome();
    ({ gateway, url, port } = await startInProcessGateway(home, { token: TOKEN }));
  });
  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  it('a scope-less or read-only connection learns neither the config path, the state dir nor the auth mode', async () => {
    const probe = { ...connectParams(TOKEN), client: { id: 'cli', version: '0', platform: 'linux', mode: 'probe' }, scopes: [] };
    for (const params of [probe, connectParams(TOKEN)]) {
      const hello = await helloWith(url, params);
      for (const key of ['configPath', 'stateDir', 'authMode']) assert.equal(key in hello.snapshot, false, `${key} for scopes ${JSON.stringify(hello.auth.scopes)}`);
    }
    const admin = await helloWith(url, { ...connectParams(TOKEN), scopes: ['operator.admin'] });
    assert.equal(admin.snapshot.authMode, 'token');
    assert.equal(typeof admin.snapshot.configPath, 'string');
  });

  it('unknown scope strings are neither granted nor echoed back', async () => {
    const hello = await helloWith(url, { ...connectParams(TOKEN), scopes: ['operator.read', 'operator.everything', '<script>', 'operator.read'] });
    assert.deepEqual(hello.auth.scopes, ['operator.read']);
  });

  it('/readyz details answer loopback only under a Host that cannot be rebound', async () => {
    const rebound = (await rawGetJson(port, '/readyz', `attacker.example:${port}`)) as Record<string, unknown>;
    assert.deepEqual(rebound, { ready: true });
    const direct = (await rawGetJson(port, '/readyz', `127.0.0.1:${port}`)) as Record<string, unknown>;
    assert.equal(typeof direct.uptimeMs, 'number');
    const named = (await rawGetJson(port, '/readyz', `localhost:${port}`)) as Record<string, unknown>;
    assert.equal(typeof named.uptimeMs, 'number');
  });
});
