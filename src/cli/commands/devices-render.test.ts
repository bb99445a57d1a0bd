import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, newestPending, readDeviceList, renderApproved, renderDeviceList, renderRotated } from './devices-render.js';

const NOW = 1_800_000_000_000;
const ID = 'ab'.repeat(32);
const pending = (over: Record<string, unknown> = {}) => ({
  requestId: 'req-1', deviceId: ID, publicKey: 'pk', displayName: 'laptop', platform: 'linux', role: 'operator', roles: ['operator'],
  scopes: ['operator.read'], silent: false, isRepair: false, ts: NOW - 42_000, remoteIp: '10.0.0.7', ...over,
});
const paired = (over: Record<string, unknown> = {}) => ({
  deviceId: ID, publicKey: 'pk', displayName: 'laptop', role: 'operator', roles: ['operator', 'node'], scopes: ['operator.read'],
  approvedVia: 'owner', createdAtMs: NOW - 1, approvedAtMs: NOW - 1, lastSeenAtMs: NOW - 3 * 3_600_000, connected: false,
  tokens: [{ role: 'operator', scopes: ['operator.read'], createdAtMs: NOW - 1 }, { role: 'node', scopes: [], createdAtMs: NOW - 1, revokedAtMs: NOW }],
  ...over,
});

describe('devices rendering', () => {
  it('formats durations as seconds, minutes, hours, then days', () => {
    assert.deepEqual([0, 59_999, 60_000, 3_599_999, 3_600_000, 47 * 3_600_000, 48 * 3_600_000, -5].map(formatDuration), ['0s', '59s', '1m', '59m', '1h', '47h', '2d', '0s']);
  });

  it('shows short device ids, name · platform, age, remote IP, and marks revoked tokens in the roles', () => {
    const text = renderDeviceList({ pending: [pending()], paired: [paired()] }, NOW);
    const rows = text.split('\n').filter((l) => l.startsWith('│') && !l.includes('Request') && !l.includes('Approved via'));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]?.split('│').map((c) => c.trim()).filter(Boolean), ['req-1', ID.slice(0, 12), 'laptop · linux', 'operator', 'operator.read', '42s', '10.0.0.7']);
    assert.deepEqual(rows[1]?.split('│').map((c) => c.trim()).filter(Boolean), [ID.slice(0, 12), 'laptop', 'operator, node (token revoked)', 'operator.read', 'owner', '3h ago', 'no']);
    assert.ok(text.startsWith('Pending (1)\n'));
    assert.ok(text.includes('\n\nPaired (1)\n'));
  });

  it('writes "local", "never" and "-" for a missing remote IP, last-seen time and connected flag', () => {
    const text = renderDeviceList({ pending: [pending({ remoteIp: undefined, isRepair: true })], paired: [paired({ lastSeenAtMs: undefined, connected: undefined, tokens: [] })] }, NOW);
    assert.match(text, /│ operator \(repair\) │ operator\.read │ 42s │ local\s+│/);
    assert.match(text, /│ owner\s+│ never\s+│ -\s+│/);
  });

  it('skips list entries without their ids and tolerates a payload that is not an object', () => {
    assert.deepEqual(readDeviceList({ pending: [{ deviceId: ID }, 7], paired: [{ displayName: 'x' }] }), { pending: [], paired: [] });
    assert.deepEqual(readDeviceList(null), { pending: [], paired: [] });
  });

  it('picks the pending request with the largest ts for --latest', () => {
    const rows = readDeviceList({ pending: [pending({ requestId: 'a', ts: 5 }), pending({ requestId: 'b', ts: 9 }), pending({ requestId: 'c', ts: 7 })] }).pending;
    assert.equal(newestPending(rows)?.requestId, 'b');
    assert.equal(newestPending([]), undefined);
  });

  it('names the approved device, its roles and scopes, and the request', () => {
    assert.equal(renderApproved({ requestId: 'req-1', device: paired() }, 'req-1'), `Approved ${ID} (laptop) as operator, node [operator.read] · request req-1`);
    assert.equal(renderApproved({ device: { deviceId: ID, roles: ['node'], scopes: [] } }, 'req-2'), `Approved ${ID} as node · request req-2`);
  });

  it('says a withheld rotation sent no token to this CLI', () => {
    const text = renderRotated({ deviceId: ID, role: 'operator', scopes: ['operator.read'], rotatedAtMs: NOW, tokenDelivery: 'withheld-cross-device' }, true);
    assert.equal(text, [
      `Rotated the operator token of device ${ID}.`,
      'Scopes: operator.read',
      'Token delivery: withheld-cross-device (not sent to this CLI; the device receives the new token on its next connect with the gateway token or password)',
    ].join('\n'));
  });

  it('keeps an in-band token off the screen unless --show-token asks for it', () => {
    const payload = { deviceId: ID, role: 'operator', token: 'secret-token-value', scopes: ['operator.pairing'], rotatedAtMs: NOW, tokenDelivery: 'in-band' };
    const hidden = renderRotated(payload, false);
    assert.ok(!hidden.includes('secret-token-value'));
    assert.match(hidden, /^Token delivery: in-band \(the new token was delivered to this CLI and not printed; --show-token or --json prints it\)$/m);
    const shown = renderRotated(payload, true);
    assert.match(shown, /^Token delivery: in-band\nToken: secret-token-value$/m);
  });
});
