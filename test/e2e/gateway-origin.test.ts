// Browser origin checks (protocol.md 3.3 step 5) and DNS-rebinding protection, black-box.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';

describe('browser origins', () => {
  const d = useDisposers();
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({
      config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, controlUi: { allowedOrigins: ['https://ui.example.com'] } } },
    });
  });
  after(async () => {
    await gw.stop();
  });

  async function connectAs(headers: Record<string, string>) {
    const c = await RawClient.open(gw.url, headers);
    d.defer(() => c.terminate());
    const res = await c.connect(connectParams(TEST_TOKEN));
    return { c, res };
  }

  async function assertRefused(headers: Record<string, string>) {
    const { c, res } = await connectAs(headers);
    assert.equal(res.ok, false, JSON.stringify(headers));
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.equal(res.error?.details?.code, 'CONTROL_UI_ORIGIN_NOT_ALLOWED');
    assert.equal(res.error?.message, `origin not allowed (open the Control UI from the gateway host or add ${headers.Origin} to gateway.controlUi.allowedOrigins)`);
    const close = await c.waitClose();
    assert.equal(close.code, 1008);
  }

  test('same origin on the address the browser dialled is accepted with no config', async () => {
    for (const origin of [`http://127.0.0.1:${gw.port}`, `http://localhost:${gw.port}`]) {
      assert.equal((await connectAs({ Origin: origin })).res.ok, true, origin);
    }
    const own = hostname().toLowerCase();
    assert.equal((await connectAs({ Origin: `http://${own}:${gw.port}`, Host: `${own}:${gw.port}` })).res.ok, true);
  });

  test('an origin listed in gateway.controlUi.allowedOrigins is accepted from any host name', async () => {
    assert.equal((await connectAs({ Origin: 'https://ui.example.com' })).res.ok, true);
  });

  test('another origin is refused with CONTROL_UI_ORIGIN_NOT_ALLOWED and close 1008', async () => {
    await assertRefused({ Origin: 'https://evil.example' });
    await assertRefused({ Origin: 'null' });
  });

  test('DNS rebinding: same origin under a host name that is not ours is refused', async () => {
    await assertRefused({ Origin: `http://rebind.evil.example:${gw.port}`, Host: `rebind.evil.example:${gw.port}` });
  });

  test('clients without an Origin (the CLI) are not affected', async () => {
    assert.equal((await connectAs({ Host: `some.name.example:${gw.port}` })).res.ok, true);
  });
});

describe('the host-header fallback', () => {
  const d = useDisposers();

  test('dangerouslyAllowHostHeaderOriginFallback accepts same origin under any host name', async () => {
    const gw = await startGateway({
      config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, controlUi: { dangerouslyAllowHostHeaderOriginFallback: true } } },
    });
    d.defer(() => gw.stop());
    const c = await RawClient.open(gw.url, { Origin: `http://rebind.evil.example:${gw.port}`, Host: `rebind.evil.example:${gw.port}` });
    d.defer(() => c.terminate());
    assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true);
  });
});
