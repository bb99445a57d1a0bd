import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeHostPolicy } from './node-config.js';
import { systemRun } from './system-run.js';
import { CommandError, ExecutableFinder, systemWhich } from './system-which.js';

const policy = (over: Partial<NodeHostPolicy> = {}): NodeHostPolicy => ({ runAllow: ['env', 'sleep', 'seq'], runTimeoutMs: 10_000, maxOutputBytes: 64, ...over });
const finder = new ExecutableFinder(process.env.PATH ?? '');
const run = (command: string[], p = policy(), budgetMs = 10_000) => systemRun({ command }, p, finder, '/cfg.json5', budgetMs, new AbortController().signal);

describe('system.run on the node host', () => {
  it('refuses a program outside the owner allowlist, naming the config', async () => {
    await assert.rejects(run(['touch', '/tmp/x']), (err: CommandError) => err.code === 'NOT_ALLOWED' && err.message.includes('(/cfg.json5)'));
  });

  it('does not hand the gateway credentials of its environment to the program', async () => {
    process.env.FARCLAW_GATEWAY_TOKEN = 'secret-token-value';
    try {
      const r = await run(['env'], policy({ maxOutputBytes: 1 << 20 }));
      assert.equal(r.exitCode, 0);
      assert.doesNotMatch(r.stdout, /secret-token-value/);
    } finally {
      delete process.env.FARCLAW_GATEWAY_TOKEN;
    }
  });

  it('gives the program the caller’s env, and refuses a variable the gateway host would refuse, starting nothing', async () => {
    const p = policy({ maxOutputBytes: 1 << 20 });
    const signal = new AbortController().signal;
    const r = await systemRun({ command: ['env'], env: { GREETING: 'hello node' } }, p, finder, '/cfg.json5', 10_000, signal);
    assert.match(r.stdout, /^GREETING=hello node$/m);
    assert.match(r.stdout, /^PATH=/m);
    await assert.rejects(
      systemRun({ command: ['env'], env: { GREETING: 'x', LD_PRELOAD: '/tmp/evil.so' } }, p, finder, '/cfg.json5', 10_000, signal),
      (err: CommandError) => err.code === 'INVALID_PARAMS' && err.message === 'system.run: env variable "LD_PRELOAD" is refused: it changes how programs load or run on the host',
    );
    await assert.rejects(
      systemRun({ command: ['env'], env: { N: 1 } }, p, finder, '/cfg.json5', 10_000, signal),
      (err: CommandError) => err.code === 'INVALID_PARAMS' && /"N" must have a string value/.test(err.message),
    );
  });

  it('caps output per stream and flags it', async () => {
    const r = await run(['seq', '1', '1000']);
    assert.equal(Buffer.byteLength(r.stdout), 64);
    assert.equal(r.truncated, true);
    assert.equal(r.success, true);
  });

  it('takes timeoutMs 0 (OpenClaw’s gateway for exec timeoutSeconds 0) as no caller limit: the owner’s cap still holds', async () => {
    const signal = new AbortController().signal;
    const r = await systemRun({ command: ['sleep', '30'], timeoutMs: 0 }, policy({ runTimeoutMs: 100 }), finder, '/cfg.json5', 10_000, signal);
    assert.equal(r.timedOut, true);
    assert.equal((await systemRun({ command: ['seq', '1'], timeoutMs: 0 }, policy(), finder, '/cfg.json5', 10_000, signal)).stdout, '1\n');
    await assert.rejects(
      systemRun({ command: ['seq', '1'], timeoutMs: -1 }, policy(), finder, '/cfg.json5', 10_000, signal),
      (err: CommandError) => err.code === 'INVALID_PARAMS' && err.message === 'system.run: timeoutMs must be a number of milliseconds, 0 or more',
    );
  });

  it('kills a run at the budget and says it timed out', async () => {
    const r = await run(['sleep', '30'], policy(), 100);
    assert.equal(r.timedOut, true);
    assert.equal(r.success, false);
    assert.equal(r.signal, 'SIGKILL');
  });
});

describe('system.which on the node host', () => {
  it('finds executables on PATH and leaves out the missing', () => {
    const r = systemWhich(finder, { bins: ['sh', 'no-such-binary-here'] });
    assert.match(r.bins.sh ?? '', /\/sh$/);
    assert.equal('no-such-binary-here' in r.bins, false);
    assert.throws(() => systemWhich(finder, { bins: 'sh' }), (err: CommandError) => err.code === 'INVALID_PARAMS');
  });
});
