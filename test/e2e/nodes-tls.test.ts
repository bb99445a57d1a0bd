// Our node host reaching a TLS gateway with a pinned certificate (`node run --tls
// --tls-fingerprint`), approved and invoked with our CLI. Expectations: remote-access.md 8.3, protocol.md 9.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { colonHex, leafSha256 } from '../../src/infra/tls-pin.js';
import { jsonOut, show } from '../helpers/cli-output.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startFarclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { httpsReady } from '../helpers/tls-recorder.js';
import { waitFor } from '../helpers/wait-for.js';

describe('farclaw node host over TLS with a pinned certificate', () => {
  let gw: RunningGateway;
  let nodeHome: TmpHome;
  let node: NodeHostProcess | undefined;

  before(async () => {
    gw = await startGateway({
      config: { gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'token', token: TEST_TOKEN }, tls: { enabled: true } } },
      isReady: httpsReady,
    });
    nodeHome = tmpHome();
  });
  after(async () => {
    await node?.stop();
    await gw?.stop();
    nodeHome?.dispose();
  });

  it('connects with --tls --tls-fingerprint and answers system.which after approval', { timeout: 90_000 }, async () => {
    const cert = new X509Certificate(readFileSync(join(gw.home.stateDir, 'gateway', 'tls', 'gateway-cert.pem')));
    const pin = colonHex(leafSha256(cert));
    node = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--tls', '--tls-fingerprint', pin, '--token', TEST_TOKEN], nodeHome.env);
    const nodes = (args: string[]) => runFarclaw(['nodes', ...args, '--port', String(gw.port), '--token', TEST_TOKEN], gw.home.env);
    await waitFor('the node surface request', async () => (jsonOut(await nodes(['pending', '--json'])).pending as unknown[]).length === 1, 20_000);
    assert.match(node.output(), new RegExp(`connected to wss://127\\.0\\.0\\.1:${gw.port}`));
    const approved = await nodes(['approve', '--latest']);
    assert.equal(approved.code, 0, show(approved));
    const nodeId = String(jsonOut(await nodes(['list', '--json'])).nodes[0].nodeId);
    const res = await nodes(['invoke', nodeId, '--command', 'system.which', '--params', '{"bins":["sh"]}', '--json']);
    assert.equal(res.code, 0, show(res));
    assert.match(String(jsonOut(res).payload.bins.sh), /\/sh$/);
  });

  it('stops with the mismatch error instead of retrying when the certificate does not match the pin', { timeout: 60_000 }, async () => {
    const wrong = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--tls', '--tls-fingerprint', 'AB'.repeat(32), '--token', TEST_TOKEN], nodeHome.env);
    try {
      await wrong.exited;
      assert.equal(wrong.proc.exitCode, 1, wrong.output());
      assert.match(wrong.output(), /node run stopped: gateway tls fingerprint mismatch/);
      assert.doesNotMatch(wrong.output(), /reconnect|retry/i, 'a pin mismatch is not retried');
    } finally {
      await wrong.stop();
    }
  });

  it('refuses --tls-fingerprint on a plaintext URL', { timeout: 30_000 }, async () => {
    const res = await runFarclaw(['node', 'run', '--url', `ws://127.0.0.1:${gw.port}`, '--tls-fingerprint', 'AA'.repeat(32)], nodeHome.env);
    assert.equal(res.code, 1, show(res));
    assert.match(res.stderr, /^node run failed: /);
  });
});
