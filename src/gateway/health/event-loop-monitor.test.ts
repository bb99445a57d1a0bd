import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { EventLoopMonitor } from './event-loop-monitor.js';

function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* a handler that never yields */ }
}

test('a loop blocked past the threshold reads degraded with the stall in its figures; a quiet one does not', async (t) => {
  const monitor = new EventLoopMonitor();
  t.after(() => monitor.close());
  await sleep(350);
  const quiet = monitor.sample();
  assert.equal(quiet.degraded, false);
  assert.ok(quiet.delayMaxMs < 200, `quiet loop max delay ${quiet.delayMaxMs} ms`);

  await sleep(120);
  block(450);
  await sleep(150);
  const stalled = monitor.sample();
  assert.ok(stalled.delayMaxMs >= 300, `a 450 ms stall read as ${stalled.delayMaxMs} ms`);
  assert.equal(stalled.degraded, true);
  assert.deepEqual(stalled.reasons, ['event-loop-delay']);
  assert.equal(typeof stalled.degradedSinceMs, 'number');
});
