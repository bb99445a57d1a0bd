import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, resolveExecTimeouts } from './exec-timeouts.js';

describe('exec timeouts', () => {
  it('default to 1800 s, the node wait 5 s longer (assistant.md 8.3: 1800000 and ~1805000)', () => {
    assert.deepEqual(resolveExecTimeouts(undefined, undefined), { runTimeoutMs: 1_800_000, invokeTimeoutMs: 1_805_000 });
  });

  it('take tools.exec.timeoutSeconds as the default when above 0, and the call’s value over both', () => {
    assert.deepEqual(resolveExecTimeouts(undefined, 60), { runTimeoutMs: 60_000, invokeTimeoutMs: 65_000 });
    assert.deepEqual(resolveExecTimeouts(undefined, 0), { runTimeoutMs: 1_800_000, invokeTimeoutMs: 1_805_000 });
    assert.deepEqual(resolveExecTimeouts(30, 60), { runTimeoutMs: 30_000, invokeTimeoutMs: 35_000 });
  });

  it('read 0 (or less) as no limit on the command, the node still waited for as long as the default', () => {
    assert.deepEqual(resolveExecTimeouts(0, undefined), { runTimeoutMs: 0, invokeTimeoutMs: 1_805_000 });
    assert.deepEqual(resolveExecTimeouts(-5, 60), { runTimeoutMs: 0, invokeTimeoutMs: 65_000 });
  });

  it('floor milliseconds and wait at least 10 s for a node', () => {
    assert.deepEqual(resolveExecTimeouts(1.5, undefined), { runTimeoutMs: 1_500, invokeTimeoutMs: 10_000 });
    assert.deepEqual(resolveExecTimeouts(0.0019, undefined), { runTimeoutMs: 1, invokeTimeoutMs: 10_000 });
  });

  it('hold a huge value within a timer’s range instead of overflowing into an immediate kill', () => {
    assert.deepEqual(resolveExecTimeouts(1e9, undefined), { runTimeoutMs: MAX_TIMER_MS, invokeTimeoutMs: MAX_TIMER_MS });
    assert.deepEqual(resolveExecTimeouts(Number.POSITIVE_INFINITY, undefined), { runTimeoutMs: 1_800_000, invokeTimeoutMs: 1_805_000 });
  });
});
