import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADDRESS_BUDGET_FACTOR, AuthRateLimiter, DEFAULT_RATE_LIMIT, MAX_TRACKED_ADDRESSES, rateLimitConfigOf } from './rate-limit.js';

const REMOTE = '203.0.113.7';

function limiter(config = DEFAULT_RATE_LIMIT) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new AuthRateLimiter(config, () => clock.now) };
}

describe('failed-auth rate limiting (remote-access.md 6.3)', () => {
  it('locks a remote address out after ten failures in a minute, for five minutes', () => {
    const { clock, limiter: l } = limiter();
    for (let i = 1; i <= 9; i++) {
      assert.equal(l.recordFailure({ address: REMOTE }, 'shared-secret', false), 0);
      assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 0, `after ${i} failures`);
    }
    l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 300_000);
    clock.now += 299_999;
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 1);
    clock.now += 1;
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 0);
  });

  it('counts an IPv6 client by its /64: a fresh address of the same /64 is still locked out', () => {
    const { limiter: l } = limiter();
    for (let i = 1; i <= 10; i++) l.recordFailure({ address: `2001:db8:7:9::${i.toString(16)}` }, 'shared-secret', false);
    assert.equal(l.lockedForMs({ address: '2001:db8:7:9:ffff::1' }, 'shared-secret'), 300_000);
    assert.equal(l.lockedForMs({ address: '2001:db8:7:a::1' }, 'shared-secret'), 0);
  });

  it('forgets failures older than the window', () => {
    const { clock, limiter: l } = limiter();
    for (let i = 0; i < 9; i++) l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    clock.now += 60_000;
    l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 0);
  });

  it('counts shared-secret and device-token failures separately', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 10; i++) l.recordFailure({ address: REMOTE }, 'device-token', false);
    assert.ok(l.lockedForMs({ address: REMOTE }, 'device-token') > 0);
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 0);
  });

  it('never locks loopback out but answers each failure later: 250 ms doubling to 5 s', () => {
    const { limiter: l } = limiter();
    const delays = Array.from({ length: 12 }, () => l.recordFailure({ address: '127.0.0.1' }, 'shared-secret', true));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]);
    assert.equal(l.lockedForMs({ address: '127.0.0.1' }, 'shared-secret', true), 0);
    assert.equal(l.recordFailure({ address: '::ffff:127.0.0.1' }, 'shared-secret', true), 5000);
  });

  it('resets an address after a success', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure({ address: '::1' }, 'shared-secret', true);
    l.reset({ address: '::1' }, 'shared-secret');
    assert.equal(l.recordFailure({ address: '::1' }, 'shared-secret', true), 250);
    for (let i = 0; i < 9; i++) l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    l.reset({ address: REMOTE }, 'shared-secret');
    l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 0);
  });

  it('locks a loopback peer relayed by a proxy (not direct-local) out like a remote one', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 10; i++) assert.equal(l.recordFailure({ address: '127.0.0.1' }, 'shared-secret', false), 0);
    assert.equal(l.lockedForMs({ address: '127.0.0.1' }, 'shared-secret'), 300_000);
  });

  it('locks loopback out too when exemptLoopback is off', () => {
    const { limiter: l } = limiter({ ...DEFAULT_RATE_LIMIT, exemptLoopback: false, maxAttempts: 2, lockoutMs: 1000 });
    assert.equal(l.recordFailure({ address: '127.0.0.1' }, 'shared-secret', true), 0);
    l.recordFailure({ address: '127.0.0.1' }, 'shared-secret', true);
    assert.equal(l.lockedForMs({ address: '127.0.0.1' }, 'shared-secret'), 1000);
  });

  it('never lets a changed Origin escape the address budget (issue 12.3)', () => {
    const { limiter: l } = limiter();
    // The address without an Origin: locked at its tenth failure, as before.
    for (let i = 0; i < 10; i++) l.recordFailure({ address: REMOTE }, 'shared-secret', false);
    assert.equal(l.lockedForMs({ address: REMOTE }, 'shared-secret'), 300_000);
    // A fresh Origin per attempt gets at most the rest of the address budget, then nothing more.
    let tries = 0;
    for (let i = 0; i < 1000 && l.lockedForMs({ address: REMOTE, origin: `http://10.0.0.${i}:1` }, 'shared-secret') === 0; i++) {
      l.recordFailure({ address: REMOTE, origin: `http://10.0.0.${i}:1` }, 'shared-secret', false);
      tries++;
    }
    assert.equal(tries, 10 * (ADDRESS_BUDGET_FACTOR - 1));
    assert.equal(l.lockedForMs({ address: REMOTE, origin: 'http://new.example' }, 'shared-secret'), 300_000);
    assert.equal(l.lockedForMs({ address: '203.0.113.8' }, 'shared-secret'), 0, 'another address is not affected');
  });

  it('a page locks out only its own Origin, within the address budget', () => {
    const { limiter: l } = limiter();
    const hostile = { address: '127.0.0.1', origin: 'http://evil.example' };
    for (let i = 0; i < 10; i++) assert.equal(l.recordFailure(hostile, 'shared-secret', false), 0);
    assert.equal(l.lockedForMs(hostile, 'shared-secret'), 300_000);
    assert.equal(l.lockedForMs({ address: '127.0.0.1', origin: 'http://127.0.0.1:18789' }, 'shared-secret'), 0);
    assert.equal(l.lockedForMs({ address: '127.0.0.1' }, 'shared-secret', true), 0, 'the local CLI is never locked out');
  });

  it('bounds its memory: addresses tracked, Origins per address; the oldest address is dropped first', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < MAX_TRACKED_ADDRESSES + 500; i++) l.recordFailure({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, 'shared-secret', false);
    assert.equal(l.size, MAX_TRACKED_ADDRESSES);
    const big = 'x'.repeat(8 * 1024);
    for (let i = 0; i < 200; i++) l.recordFailure({ address: REMOTE, origin: `http://${i}${big}` }, 'device-token', false);
    assert.ok(l.lockedForMs({ address: REMOTE, origin: 'http://another' }, 'device-token') > 0, 'the 8 KB origins used the address budget');
  });

  it('reads gateway.auth.rateLimit key by key, ignoring invalid values', () => {
    assert.deepEqual(rateLimitConfigOf(undefined), DEFAULT_RATE_LIMIT);
    assert.deepEqual(rateLimitConfigOf({ maxAttempts: 3, windowMs: -1, lockoutMs: 0, exemptLoopback: false }), {
      maxAttempts: 3, windowMs: 60_000, lockoutMs: 0, exemptLoopback: false,
    });
  });
});
