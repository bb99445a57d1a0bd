import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthRateLimiter, DEFAULT_RATE_LIMIT, rateLimitConfigOf } from './rate-limit.js';

const REMOTE = '203.0.113.7';

function limiter(config = DEFAULT_RATE_LIMIT) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new AuthRateLimiter(config, () => clock.now) };
}

describe('failed-auth rate limiting (remote-access.md 6.3)', () => {
  it('locks a remote address out after ten failures in a minute, for five minutes', () => {
    const { clock, limiter: l } = limiter();
    for (let i = 1; i <= 9; i++) {
      assert.equal(l.recordFailure(REMOTE, 'shared-secret', false), 0);
      assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 0, `after ${i} failures`);
    }
    l.recordFailure(REMOTE, 'shared-secret', false);
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 300_000);
    clock.now += 299_999;
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 1);
    clock.now += 1;
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 0);
  });

  it('forgets failures older than the window', () => {
    const { clock, limiter: l } = limiter();
    for (let i = 0; i < 9; i++) l.recordFailure(REMOTE, 'shared-secret', false);
    clock.now += 60_000;
    l.recordFailure(REMOTE, 'shared-secret', false);
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 0);
  });

  it('counts shared-secret and device-token failures separately', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 10; i++) l.recordFailure(REMOTE, 'device-token', false);
    assert.ok(l.lockedForMs(REMOTE, 'device-token') > 0);
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 0);
  });

  it('never locks loopback out but answers each failure later: 250 ms doubling to 5 s', () => {
    const { limiter: l } = limiter();
    const delays = Array.from({ length: 12 }, () => l.recordFailure('127.0.0.1', 'shared-secret', true));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]);
    assert.equal(l.lockedForMs('127.0.0.1', 'shared-secret'), 0);
    assert.equal(l.recordFailure('::ffff:127.0.0.1', 'shared-secret', true), 5000);
  });

  it('resets an address after a success', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('::1', 'shared-secret', true);
    l.reset('::1', 'shared-secret');
    assert.equal(l.recordFailure('::1', 'shared-secret', true), 250);
    for (let i = 0; i < 9; i++) l.recordFailure(REMOTE, 'shared-secret', false);
    l.reset(REMOTE, 'shared-secret');
    l.recordFailure(REMOTE, 'shared-secret', false);
    assert.equal(l.lockedForMs(REMOTE, 'shared-secret'), 0);
  });

  it('locks a loopback peer relayed by a proxy (not direct-local) out like a remote one', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 10; i++) assert.equal(l.recordFailure('127.0.0.1', 'shared-secret', false), 0);
    assert.equal(l.lockedForMs('127.0.0.1', 'shared-secret'), 300_000);
  });

  it('locks loopback out too when exemptLoopback is off', () => {
    const { limiter: l } = limiter({ ...DEFAULT_RATE_LIMIT, exemptLoopback: false, maxAttempts: 2, lockoutMs: 1000 });
    assert.equal(l.recordFailure('127.0.0.1', 'shared-secret', true), 0);
    l.recordFailure('127.0.0.1', 'shared-secret', true);
    assert.equal(l.lockedForMs('127.0.0.1', 'shared-secret'), 1000);
  });

  it('reads gateway.auth.rateLimit key by key, ignoring invalid values', () => {
    assert.deepEqual(rateLimitConfigOf(undefined), DEFAULT_RATE_LIMIT);
    assert.deepEqual(rateLimitConfigOf({ maxAttempts: 3, windowMs: -1, lockoutMs: 0, exemptLoopback: false }), {
      maxAttempts: 3, windowMs: 60_000, lockoutMs: 0, exemptLoopback: false,
    });
  });
});
