import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PreauthBudget } from './preauth-budget.js';

describe('pre-auth budget (issue 12.5)', () => {
  it('admits a newcomer at the per-address cap by evicting that address’s oldest idle socket', () => {
    const budget = new PreauthBudget(3, 100);
    const evicted: number[] = [];
    const slots = [0, 1, 2].map((i) => budget.acquire('127.0.0.1', { onEvicted: () => evicted.push(i) }));
    assert.ok(slots.every(Boolean));
    assert.ok(budget.acquire('127.0.0.1', { onEvicted: () => evicted.push(3) }));
    assert.deepEqual(evicted, [0]);
    assert.equal(budget.inUse('127.0.0.1'), 3);
    assert.equal(budget.evictions, 1);
  });

  it('never evicts a socket presenting its credentials, and refuses when every slot is busy', () => {
    const budget = new PreauthBudget(2, 100);
    const evicted: string[] = [];
    const a = budget.acquire('10.0.0.1', { onEvicted: () => evicted.push('a') });
    const b = budget.acquire('10.0.0.1', { onEvicted: () => evicted.push('b') });
    a?.setBusy(true);
    assert.ok(budget.acquire('10.0.0.1', { onEvicted: () => evicted.push('c') }));
    assert.deepEqual(evicted, ['b'], 'the busy older socket was skipped');
    b?.release();
    const budget2 = new PreauthBudget(1, 100);
    budget2.acquire('10.0.0.1', { onEvicted: () => evicted.push('x') })?.setBusy(true);
    assert.equal(budget2.acquire('10.0.0.1', { onEvicted: () => evicted.push('y') }), undefined);
  });

  it('at the total cap evicts the gateway’s oldest idle socket, whatever its address', () => {
    const budget = new PreauthBudget(10, 3);
    const evicted: string[] = [];
    for (const addr of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) budget.acquire(addr, { onEvicted: () => evicted.push(addr) });
    assert.ok(budget.acquire('127.0.0.1', { onEvicted: () => evicted.push('cli') }));
    assert.deepEqual(evicted, ['127.0.0.2']);
    assert.equal(budget.inUse(), 3);
    assert.equal(budget.inUse('127.0.0.2'), 0);
  });

  it('release is idempotent and frees the slot once', () => {
    const budget = new PreauthBudget(2, 2);
    const slot = budget.acquire('x', { onEvicted: () => undefined });
    slot?.release();
    slot?.release();
    assert.equal(budget.inUse(), 0);
    assert.equal(budget.inUse('x'), 0);
  });
});
