// Last-seen and last-used times are batched off the connect path (device-activity.ts): they show
// in listings at once, reach SQLite within a bounded time, and a graceful stop writes what waits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.js';
import { openStateDb } from '../../src/store/db.js';
import { resolvePaths } from '../../src/infra/paths.js';
import { adminClient, connectWith, operatorParams } from '../helpers/device-session.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { newTestDevice } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

interface Listed {
  deviceId: string;
  lastSeenAtMs?: number;
  tokens: { role: string; lastUsedAtMs?: number }[];
}

async function listed(url: string, deviceId: string): Promise<Listed | undefined> {
  const admin = await adminClient(url);
  try {
    const list = await admin.call('device.pair.list');
    return (list.payload.paired as Listed[]).find((d) => d.deviceId === deviceId);
  } finally {
    admin.terminate();
  }
}

describe('device last-seen and token last-used across a restart', () => {
  let home: TmpHome;
  let gateway: Gateway | undefined;

  before(() => {
    home = tmpHome();
  });
  after(async () => {
    await gateway?.stop();
    home.dispose();
  });

  it('lists them at once, writes them on stop, and the restarted gateway lists the same', async () => {
    const first = await startInProcessGateway(home, { token: TEST_TOKEN });
    gateway = first.gateway;
    const device = newTestDevice();
    const paired = await connectWith(first.url, operatorParams(), device);
    assert.equal(paired.res.ok, true, JSON.stringify(paired.res.error));
    paired.client.terminate();
    const token = String(paired.res.payload.auth.deviceToken);
    const again = await connectWith(first.url, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(again.res.payload.auth.method, 'device-token');
    again.client.terminate();

    const before = await listed(first.url, device.id);
    assert.equal(typeof before?.lastSeenAtMs, 'number', JSON.stringify(before));
    const usedAtMs = before?.tokens.find((t) => t.role === 'operator')?.lastUsedAtMs;
    assert.equal(typeof usedAtMs, 'number', JSON.stringify(before));

    await gateway.stop();
    gateway = undefined;
    // Written by the stop, not only kept in the stopped gateway's memory.
    const db = openStateDb(resolvePaths(home.env).dbPath);
    try {
      const row = db.prepare('SELECT last_seen_at_ms AS seen FROM paired_device WHERE device_id = ?').get(device.id) as { seen: number | null };
      assert.equal(row.seen, before?.lastSeenAtMs);
    } finally {
      db.close();
    }

    const second = await startInProcessGateway(home, { token: TEST_TOKEN });
    gateway = second.gateway;
    const after = await listed(second.url, device.id);
    assert.equal(after?.lastSeenAtMs, before?.lastSeenAtMs);
    assert.equal(after?.tokens.find((t) => t.role === 'operator')?.lastUsedAtMs, usedAtMs);
  });
});
