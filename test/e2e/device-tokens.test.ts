import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.js';
import { createGatewayLogger } from '../../src/infra/logger.js';
import { resolvePaths } from '../../src/infra/paths.js';
import { decodeSetupCode } from '../../src/protocol/setup-code.js';
import { adminClient, connectWith, operatorParams } from '../helpers/device-session.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { newTestDevice, type TestDevice } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

describe('device tokens over real sockets (protocol.md 6.3)', () => {
  let home: TmpHome;
  let gateway: Gateway;
  let url: string;
  let flushLog: () => void;
  let logFile: string;
  /** Every token value handed out in this suite, for the at-rest checks. */
  const issued: string[] = [];

  before(async () => {
    home = tmpHome();
    const log = createGatewayLogger(resolvePaths(home.env).logDir, { quiet: true });
    flushLog = log.close;
    logFile = log.file;
    ({ gateway, url } = await startInProcessGateway(home, { token: TEST_TOKEN, logger: log.logger }));
  });
  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  /** A local device, silently paired by its first connect; returns its device token. */
  async function pairedDevice(scopes = ['operator.read']): Promise<{ device: TestDevice; token: string }> {
    const device = newTestDevice();
    const { client, res } = await connectWith(url, operatorParams(scopes), device);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    client.terminate();
    const token = String(res.payload.auth.deviceToken);
    issued.push(token);
    return { device, token };
  }

  it('closes the live session of a revoked token with 4001 and refuses the token afterwards', async () => {
    const { device, token } = await pairedDevice();
    const live = await connectWith(url, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(live.res.payload.auth.method, 'device-token');
    const admin = await adminClient(url);
    const revoked = await admin.call('device.token.revoke', { deviceId: device.id, role: 'operator' });
    assert.deepEqual(Object.keys(revoked.payload).sort(), ['deviceId', 'revokedAtMs', 'role']);
    assert.deepEqual(await live.client.waitClose(), { code: 4001, reason: 'device removed' });
    const again = await connectWith(url, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(again.res.error?.details?.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
    assert.deepEqual(await again.client.waitClose(), { code: 1008, reason: 'unauthorized: device token mismatch (rotate/reissue device token)' });
    admin.terminate();
  });

  it('withholds a token rotated by an admin and closes the device sessions at once', async () => {
    const { device, token } = await pairedDevice();
    const live = await connectWith(url, operatorParams(['operator.read'], { deviceToken: token }), device);
    const admin = await adminClient(url);
    const rotated = await admin.call('device.token.rotate', { deviceId: device.id, role: 'operator' });
    assert.equal(rotated.payload.tokenDelivery, 'withheld-cross-device');
    assert.equal('token' in rotated.payload, false);
    assert.deepEqual(rotated.payload.scopes, ['operator.read']);
    assert.deepEqual(await live.client.waitClose(), { code: 4001, reason: 'device removed' });
    const old = await connectWith(url, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(old.res.error?.details?.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
    admin.terminate();
  });

  it('hands a device rotating its own token the new one in band, then closes that socket 4001', async () => {
    const { device, token } = await pairedDevice(['operator.read', 'operator.pairing']);
    const self = await connectWith(url, operatorParams(['operator.read', 'operator.pairing'], { deviceToken: token }), device);
    const rotated = await self.client.call('device.token.rotate', { deviceId: device.id, role: 'operator' });
    assert.equal(rotated.payload.tokenDelivery, 'in-band');
    const fresh = String(rotated.payload.token);
    issued.push(fresh);
    assert.deepEqual(await self.client.waitClose(), { code: 4001, reason: 'device removed' });
    const next = await connectWith(url, operatorParams(['operator.read'], { deviceToken: fresh }), device);
    assert.equal(next.res.payload.auth.method, 'device-token');
    next.client.terminate();
  });

  it('refuses a device-bound operator rotating another device', async () => {
    const { device: other } = await pairedDevice();
    const { device, token } = await pairedDevice(['operator.read', 'operator.pairing']);
    const self = await connectWith(url, operatorParams(['operator.read', 'operator.pairing'], { deviceToken: token }), device);
    const res = await self.client.call('device.token.rotate', { deviceId: other.id, role: 'operator' });
    assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message: 'device token rotation denied' });
    self.client.terminate();
  });

  it('issues a fresh token on a shared-token connect of a paired device; the previous one stops working', async () => {
    const { device, token } = await pairedDevice();
    const shared = await connectWith(url, operatorParams(), device);
    const fresh = String(shared.res.payload.auth.deviceToken);
    issued.push(fresh);
    assert.notEqual(fresh, token);
    shared.client.terminate();
    const old = await connectWith(url, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(old.res.error?.details?.code, 'AUTH_DEVICE_TOKEN_MISMATCH');
    const current = await connectWith(url, operatorParams(['operator.read'], { deviceToken: fresh }), device);
    assert.equal(current.res.ok, true);
    current.client.terminate();
  });

  it('keeps setup-code bootstrap tokens, used or not, and the tokens of their handoff for the checks below', async () => {
    const admin = await adminClient(url);
    const codes = [];
    for (let i = 0; i < 2; i++) {
      const res = await admin.call('device.pair.setupCode', { publicUrl: url });
      assert.equal(res.ok, true, JSON.stringify(res.error));
      codes.push(decodeSetupCode(String(res.payload.setupCode)).bootstrapToken);
    }
    admin.terminate();
    issued.push(...codes);
    const used = await connectWith(url, { ...operatorParams(['operator.read']), auth: { bootstrapToken: String(codes[0]) } }, newTestDevice());
    assert.equal(used.res.payload?.auth.method, 'bootstrap-token', JSON.stringify(used.res.error));
    issued.push(String(used.res.payload.auth.deviceToken), ...used.res.payload.auth.deviceTokens.map((t: { deviceToken: string }) => t.deviceToken));
    used.client.terminate();
  });

  it('keeps every token value out of the log, the SQLite files, device.pair.list and config.get', async () => {
    assert.ok(issued.length >= 9);
    const admin = await adminClient(url);
    const listed = JSON.stringify((await admin.call('device.pair.list')).payload);
    const config = JSON.stringify((await admin.call('config.get')).payload);
    admin.terminate();
    flushLog();
    const { dbPath } = resolvePaths(home.env);
    const files = [logFile, dbPath, `${dbPath}-wal`].filter((f) => existsSync(f));
    assert.ok(readFileSync(logFile, 'utf8').includes('device token rotated'), 'the log records rotations');
    for (const token of issued) {
      assert.equal(listed.includes(token), false, 'device.pair.list shows a token');
      assert.equal(config.includes(token), false, 'config.get shows a token');
      for (const file of files) assert.equal(readFileSync(file).includes(Buffer.from(token)), false, `${file} holds a token`);
    }
  });
});
