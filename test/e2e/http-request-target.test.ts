// Issue 12.1: request targets that `new URL(target, base)` throws on used to kill the gateway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { getRequest, rawHttpStatus, upgradeRequest } from '../helpers/raw-http.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';

const HOSTILE_TARGETS = ['//', '//@', '//:99999', '/\\', '//[', '*', '/%zz'];

describe('hostile request targets (issue 12.1)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ args: ['--token', TEST_TOKEN] });
  });
  after(async () => {
    await gw.stop();
  });

  test('a plain request with any of them is answered (never a 5xx or a dropped socket) and the gateway lives on', async () => {
    for (const target of HOSTILE_TARGETS) {
      // `//` may be a Control UI path (it serves below `/`); what matters is an answer.
      const status = await rawHttpStatus(gw.port, getRequest(target));
      assert.ok(status >= 200 && status < 500, `GET ${target} → ${status}`);
    }
    assert.equal(await rawHttpStatus(gw.port, getRequest('*')), 400);
    assert.equal(await rawHttpStatus(gw.port, getRequest('/healthz')), 200);
    assert.equal(gw.proc.exitCode, null);
  });

  test('an upgrade with any of them is refused with an HTTP answer, never accepted as /', async () => {
    for (const target of HOSTILE_TARGETS) {
      const status = await rawHttpStatus(gw.port, upgradeRequest(target));
      assert.ok(status === 400 || status === 404, `upgrade ${target} → ${status}`);
    }
    assert.equal(await rawHttpStatus(gw.port, upgradeRequest('//')), 404);
    const client = await RawClient.open(gw.url);
    assert.equal((await client.connect(connectParams(TEST_TOKEN))).ok, true);
    client.terminate();
    assert.equal(gw.proc.exitCode, null);
  });
});
