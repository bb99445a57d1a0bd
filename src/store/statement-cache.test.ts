import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openStateDb, type Database } from './db.js';
import { DeviceTokenRepo, type DeviceTokenRecord } from './device-token-repo.js';
import { PairedDeviceRepo, type PairedDeviceRecord } from './paired-device-repo.js';
import { StatementCache, writeTargetOf } from './statement-cache.js';
import { SessionRepo } from './session-repo.js';
import { TranscriptRepo } from './transcript-repo.js';

const device: PairedDeviceRecord = {
  deviceId: 'd1', publicKey: 'pk1', role: 'operator', roles: ['operator'], scopes: ['operator.read'],
  approvedVia: 'owner', createdAtMs: 1, approvedAtMs: 1,
};
const token: DeviceTokenRecord = {
  deviceId: 'd1', role: 'operator', tokenSha256: Buffer.from('digest-1'), scopes: ['operator.read'], createdAtMs: 1, issuedAtMs: 1,
};

describe('read caches of the device repos', () => {
  let dir: string;
  let db: Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-cache-'));
    db = openStateDb(join(dir, 'state.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a repeated read from memory and sees every later write, even through another repo', () => {
    const devices = new PairedDeviceRepo(db);
    const tokens = new DeviceTokenRepo(db);
    devices.save(device);
    tokens.save(token);
    assert.equal(String(tokens.get('d1', 'operator')?.tokenSha256), 'digest-1');
    assert.equal(tokens.get('d1', 'operator'), tokens.get('d1', 'operator'), 'second read is the cached record');

    tokens.save({ ...token, tokenSha256: Buffer.from('digest-2') });
    assert.equal(String(tokens.get('d1', 'operator')?.tokenSha256), 'digest-2');

    // Removing the device deletes its tokens by cascade: the token cache must not keep them.
    assert.equal(new PairedDeviceRepo(db).remove('d1'), true);
    assert.equal(tokens.get('d1', 'operator'), undefined);
    assert.equal(devices.get('d1'), undefined);
  });

  it('treats a write that returns rows (DELETE … RETURNING) as a write', () => {
    const devices = new PairedDeviceRepo(db);
    devices.save(device);
    assert.ok(devices.get('d1'));
    const gone = new StatementCache(db).get('DELETE FROM paired_device WHERE device_id = ? RETURNING device_id').get('d1');
    assert.deepEqual(gone, { device_id: 'd1' });
    assert.equal(devices.get('d1'), undefined);
  });

  it('remembers a miss only until the record is written', () => {
    const devices = new PairedDeviceRepo(db);
    assert.equal(devices.get('d1'), undefined);
    devices.save(device);
    assert.equal(devices.get('d1')?.publicKey, 'pk1');
    devices.rename('d1', 'laptop');
    assert.equal(devices.get('d1')?.label, 'laptop');
  });

  it('hands out frozen records, so no caller can change what the next one reads', () => {
    const devices = new PairedDeviceRepo(db);
    devices.save(device);
    const got = devices.get('d1');
    assert.ok(got);
    assert.throws(() => (got.scopes as string[]).push('operator.admin'), TypeError);
    assert.deepEqual(devices.get('d1')?.scopes, ['operator.read']);
  });

  it('keeps device records across writes to other tables (a run appending transcript rows)', () => {
    const devices = new PairedDeviceRepo(db);
    const tokens = new DeviceTokenRepo(db);
    devices.save(device);
    tokens.save(token);
    const [d, t] = [devices.get('d1'), tokens.get('d1', 'operator')];
    const sessions = new SessionRepo(db);
    sessions.ensure('agent:main:x', 'main', 'operator');
    new TranscriptRepo(db, Date.now, sessions).append('agent:main:x', { role: 'user', kind: 'message', inContext: true, message: { role: 'user', content: 'hi' } });
    assert.equal(devices.get('d1'), d, 'the device record is still the cached one');
    assert.equal(tokens.get('d1', 'operator'), t, 'the token record is still the cached one');
    // A write whose table cannot be named drops every cache.
    new StatementCache(db).get("WITH x AS (SELECT 1) UPDATE chat_session SET status = 'idle'").run();
    assert.notEqual(devices.get('d1'), d);
  });
});

describe('writeTargetOf', () => {
  it('names the table of each kind of write, and * for what it cannot tell', () => {
    assert.equal(writeTargetOf('INSERT INTO device_token (a) VALUES (?)'), 'device_token');
    assert.equal(writeTargetOf('\n      INSERT OR REPLACE INTO node (node_id) VALUES (@nodeId)'), 'node');
    assert.equal(writeTargetOf('REPLACE INTO node (node_id) VALUES (?)'), 'node');
    assert.equal(writeTargetOf('UPDATE chat_session SET last_seq = last_seq + 1 WHERE key = ? RETURNING *'), 'chat_session');
    assert.equal(writeTargetOf('update or ignore "Paired_Device" set label = ?'), 'paired_device');
    assert.equal(writeTargetOf('DELETE FROM paired_device WHERE device_id = ?'), 'paired_device');
    assert.equal(writeTargetOf('WITH x AS (SELECT 1) DELETE FROM node'), '*');
    assert.equal(writeTargetOf('CREATE TABLE t (a)'), '*');
  });
});
