import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveExecHost } from './exec-host.js';
import { ToolRefusal } from './node-target.js';

describe('where exec runs', () => {
  it('auto means the gateway host (there is no sandbox runtime)', () => {
    assert.equal(resolveExecHost('auto', undefined), 'gateway');
    assert.equal(resolveExecHost('auto', 'auto'), 'gateway');
    assert.equal(resolveExecHost('node', 'auto'), 'node');
  });

  it('a configured auto lets the model pick gateway or node', () => {
    assert.equal(resolveExecHost('auto', 'node'), 'node');
    assert.equal(resolveExecHost('auto', 'gateway'), 'gateway');
  });

  it('a configured host is not overridden by the model, and the refusal names the fix', () => {
    assert.throws(() => resolveExecHost('node', 'gateway'), (err: Error) => err instanceof ToolRefusal
      && err.message === 'exec host not allowed (requested gateway; configured host is node; set tools.exec.host=gateway or auto to allow this override).');
    assert.throws(() => resolveExecHost('gateway', 'node'), /requested node; configured host is gateway/);
  });

  it('sandbox is refused, configured or requested', () => {
    assert.throws(() => resolveExecHost('sandbox', undefined), /requires a sandbox runtime/);
    assert.throws(() => resolveExecHost('auto', 'sandbox'), /requires a sandbox runtime/);
  });
});
