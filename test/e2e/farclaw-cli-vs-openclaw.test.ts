import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFarclaw, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startOpenclawGateway, type OpenclawGateway } from '../helpers/openclaw-gateway.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

/** Our CLI against the real OpenClaw 2026.9.6 gateway (issue 4 interop, the other direction). */
describe('our CLI against the real OpenClaw gateway', () => {
  let gw: OpenclawGateway;
  const homes: TmpHome[] = [];
  const home = (config?: unknown): TmpHome => {
    const h = tmpHome();
    homes.push(h);
    if (config !== undefined) h.writeConfig(config);
    return h;
  };
  const remote = (token: string) => ({ gateway: { mode: 'remote', remote: { url: gw.url, token } } });

  before(async () => {
    gw = await startOpenclawGateway(TEST_TOKEN);
  });
  after(async () => {
    for (const h of homes) h.dispose();
    await gw?.stop();
  });

  it('gateway call health --url --token prints the health payload', async () => {
    const r = await runFarclaw(['gateway', 'call', 'health', '--url', gw.url, '--token', TEST_TOKEN, '--json'], home().env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).ok, true);
  });

  it('gateway call status works with read scope (cli/cli from loopback keeps its scopes)', async () => {
    const r = await runFarclaw(['gateway', 'call', 'status', '--url', gw.url, '--token', TEST_TOKEN], home().env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(typeof JSON.parse(r.stdout).runtimeVersion, 'string');
  });

  it('health with only a remote-mode config reaches it', async () => {
    const r = await runFarclaw(['health', '--json'], home(remote(TEST_TOKEN)).env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).ok, true);
    const human = await runFarclaw(['health'], home(remote(TEST_TOKEN)).env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Gateway probe duration: \d+ms/);
  });

  it('status --json shows the remote gateway reachable', async () => {
    const r = await runFarclaw(['status', '--json'], home(remote(TEST_TOKEN)).env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.gateway.reachable, true);
    assert.equal(out.gateway.urlSource, 'config gateway.remote.url');
  });

  it('gateway probe --url --token reports it reachable', async () => {
    const r = await runFarclaw(['gateway', 'probe', '--url', gw.url, '--token', TEST_TOKEN, '--json'], home().env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.targets.find((t: { id: string }) => t.id === 'explicit')?.connect.ok, true);
  });

  it('gateway status --url --token reports the connectivity probe ok', async () => {
    const r = await runFarclaw(['gateway', 'status', '--url', gw.url, '--token', TEST_TOKEN], home().env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connectivity probe: ok/);
  });

  it('a wrong token fails clearly with exit 1 and the gateway’s own reason', async () => {
    const r = await runFarclaw(['gateway', 'call', 'health', '--url', gw.url, '--token', 'wrong-token', '--json'], home().env);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.error.type, 'gateway_request_error');
    assert.equal(out.error.details.code, 'AUTH_TOKEN_MISMATCH');
    const human = await runFarclaw(['health'], home(remote('wrong-token')).env);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /^Gateway connect failed: unauthorized: gateway token mismatch/);
  });
});
