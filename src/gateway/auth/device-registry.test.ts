import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openStateDb, type Database } from '../../store/db.js';
import { DeviceRegistry, PAIRING_REQUEST_TTL_MS, type PairingAsk } from './device-registry.js';

const ask = (over: Partial<PairingAsk> = {}): PairingAsk => ({
  deviceId: 'd1', publicKey: 'pk1', metadata: { platform: 'linux', clientId: 'cli', clientMode: 'cli' },
  role: 'operator', scopes: ['operator.read'], reason: 'not-paired', silent: false, ...over,
});

describe('device registry (SQLite state)', () => {
  let dir: string;
  let dbPath: string;
  let db: Database;
  let clock: { now: number };
  let reg: DeviceRegistry;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-devices-'));
    dbPath = join(dir, 'state.db');
    db = openStateDb(dbPath);
    clock = { now: 1_795_000_000_000 };
    reg = new DeviceRegistry(db, () => clock.now);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function pair(over: Partial<PairingAsk> = {}) {
    const { request } = reg.requestPairing(ask(over));
    const approved = reg.approve(request.requestId, 'owner');
    assert.ok(approved);
    return approved;
  }

  it('keeps the requestId of a repeated identical request and replaces one with other scopes', () => {
    const first = reg.requestPairing(ask());
    const again = reg.requestPairing(ask({ scopes: ['operator.read'] }));
    assert.equal(again.request.requestId, first.request.requestId);
    assert.equal(again.created, false);
    const wider = reg.requestPairing(ask({ scopes: ['operator.read', 'operator.write'] }));
    assert.notEqual(wider.request.requestId, first.request.requestId);
    assert.deepEqual(wider.superseded.map((r) => r.requestId), [first.request.requestId]);
    assert.deepEqual(reg.listPending().map((r) => r.requestId), [wider.request.requestId]);
  });

  it('keeps requests for different roles of one device side by side', () => {
    reg.requestPairing(ask({ role: 'node', scopes: [] }));
    reg.requestPairing(ask());
    assert.deepEqual(reg.listPending().map((r) => r.role).sort(), ['node', 'operator']);
  });

  it('lets a pending request expire after five minutes', () => {
    const { request } = reg.requestPairing(ask());
    clock.now += PAIRING_REQUEST_TTL_MS;
    assert.equal(reg.approve(request.requestId, 'owner'), undefined);
    assert.deepEqual(reg.listPending(), []);
  });

  it('approves with the role and scopes asked for, adding to what the device had', () => {
    pair({ role: 'node', scopes: [] });
    const { device } = pair({ scopes: ['operator.write', 'operator.read'], reason: 'role-upgrade' });
    assert.deepEqual(device.roles, ['node', 'operator']);
    assert.deepEqual(device.scopes, ['operator.write', 'operator.read']);
    assert.equal(device.approvedVia, 'owner');
    assert.deepEqual(reg.tokensOf('d1').map((t) => [t.role, t.scopes]), [['node', []], ['operator', ['operator.read', 'operator.write']]]);
  });

  it('issues tokens that verify, and a fresh issue makes the previous value stop working', () => {
    pair();
    const first = reg.issueToken('d1', 'operator', ['operator.read']);
    assert.equal(first.token.length, 43);
    assert.equal(reg.verifyToken('d1', 'operator', first.token, ['operator.read']).ok, true);
    const second = reg.issueToken('d1', 'operator', ['operator.read']);
    assert.deepEqual(reg.verifyToken('d1', 'operator', first.token, []), { ok: false, reason: 'mismatch' });
    assert.equal(reg.verifyToken('d1', 'operator', second.token, []).ok, true);
  });

  it('refuses a right token asked for more scopes than it carries', () => {
    pair();
    const { token } = reg.issueToken('d1', 'operator', ['operator.read']);
    assert.deepEqual(reg.verifyToken('d1', 'operator', token, ['operator.admin']), { ok: false, reason: 'scope-mismatch' });
  });

  it('refuses a token of another role, device or after revocation', () => {
    pair();
    const { token } = reg.issueToken('d1', 'operator', ['operator.read']);
    assert.equal(reg.verifyToken('d1', 'node', token, []).ok, false);
    assert.equal(reg.verifyToken('d2', 'operator', token, []).ok, false);
    assert.ok(reg.revoke('d1', 'operator')?.revokedAtMs);
    assert.equal(reg.verifyToken('d1', 'operator', token, []).ok, false);
  });

  it('rotates only an approved role, and scopes granted by rotation become approved', () => {
    pair();
    assert.equal(reg.rotate('d1', 'node'), undefined);
    assert.equal(reg.rotate('nope', 'operator'), undefined);
    const rotated = reg.rotate('d1', 'operator', ['operator.read', 'operator.pairing']);
    assert.ok(rotated);
    assert.deepEqual(rotated.record.scopes, ['operator.pairing', 'operator.read']);
    assert.equal(rotated.record.rotatedAtMs, clock.now);
    assert.deepEqual(reg.paired('d1')?.scopes, ['operator.read', 'operator.pairing']);
  });

  it('forgets a removed device with its tokens and pending requests', () => {
    pair();
    reg.requestPairing(ask({ scopes: ['operator.admin'], reason: 'scope-upgrade' }));
    assert.equal(reg.remove('d1'), true);
    assert.equal(reg.paired('d1'), undefined);
    assert.deepEqual(reg.tokensOf('d1'), []);
    assert.deepEqual(reg.listPending(), []);
    assert.equal(reg.remove('d1'), false);
  });

  it('writes last-seen and last-used times in a later batch, shows them meanwhile, and close() makes them durable', () => {
    const { device } = pair();
    const issued = reg.issueToken('d1', 'operator', ['operator.read']);
    clock.now += 1_000;
    reg.touch(device);
    assert.equal(reg.verifyToken('d1', 'operator', issued.token, ['operator.read']).ok, true);
    const stored = () => db.prepare(`SELECT d.last_seen_at_ms AS seen, t.last_used_at_ms AS used FROM paired_device d
      JOIN device_token t ON t.device_id = d.device_id WHERE d.device_id = 'd1'`).get() as { seen: number | null; used: number | null };
    assert.deepEqual(stored(), { seen: null, used: null }, 'written on the connect path');
    assert.equal(reg.paired('d1')?.lastSeenAtMs, clock.now);
    assert.equal(reg.listPaired()[0]?.lastSeenReason, 'connect');
    assert.equal(reg.tokensOf('d1')[0]?.lastUsedAtMs, clock.now);
    reg.close();
    assert.deepEqual(stored(), { seen: clock.now, used: clock.now });
    db.close();
    db = openStateDb(dbPath);
    const reopened = new DeviceRegistry(db, () => clock.now);
    assert.equal(reopened.paired('d1')?.lastSeenAtMs, clock.now);
    assert.equal(reopened.tokensOf('d1')[0]?.lastUsedAtMs, clock.now);
  });

  it('stores no token value in the database file or its write-ahead log', () => {
    pair();
    const tokens = [reg.issueToken('d1', 'operator', ['operator.read']).token, reg.rotate('d1', 'operator')?.token ?? ''];
    const files = [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f));
    assert.ok(files.length > 0);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const token of tokens) {
        assert.equal(bytes.includes(Buffer.from(token)), false, `${file} holds a token`);
        assert.equal(bytes.includes(Buffer.from(token, 'base64url')), false, `${file} holds a token's bytes`);
      }
    }
  });
});
