import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SystemRunEvents } from './system-run-events.js';

const params = (p: Record<string, unknown>): string => JSON.stringify({ command: ['echo', 'hi'], ...p });

describe('exec events a gateway takes from its nodes', () => {
  it('takes an event only for a run it sent to that node connection, with the same run id and session', () => {
    const events = new SystemRunEvents();
    events.remember('node-a', 'conn-1', params({ runId: 'run-1', sessionKey: 'agent:main:main', timeoutMs: 30_000 }));
    assert.equal(events.authorize('node-a', 'conn-2', 'run-1', 'agent:main:main', false), false, 'another connection of the node');
    assert.equal(events.authorize('node-b', 'conn-1', 'run-1', 'agent:main:main', false), false, 'another node');
    assert.equal(events.authorize('node-a', 'conn-1', 'run-2', 'agent:main:main', false), false, 'another run');
    assert.equal(events.authorize('node-a', 'conn-1', 'run-1', 'agent:main:other', false), false, 'another session');
    assert.equal(events.authorize('node-a', 'conn-1', undefined, 'agent:main:main', false), false, 'no run id');
    assert.equal(events.authorize('node-a', 'conn-1', 'run-1', 'agent:main:main', false), true, 'exec.started leaves the run');
    assert.equal(events.authorize('node-a', 'conn-1', 'run-1', 'agent:main:main', true), true);
    assert.equal(events.authorize('node-a', 'conn-1', 'run-1', 'agent:main:main', true), false, 'a terminal event used the run up');
  });

  it('lets a run without a session match any session key, and ignores a run without a run id', () => {
    const events = new SystemRunEvents();
    assert.equal(events.remember('node-a', 'conn-1', params({})), undefined);
    assert.equal(events.remember('node-a', 'conn-1', 'not json'), undefined);
    events.remember('node-a', 'conn-1', params({ runId: 'run-1' }));
    assert.equal(events.authorize('node-a', 'conn-1', 'run-1', 'node-node-a', true), true);
  });

  it('forgets a failed run, a closed connection, and a run five minutes past its timeout', () => {
    let now = 1_000;
    const events = new SystemRunEvents(() => now);
    const failed = events.remember('node-a', 'conn-1', params({ runId: 'failed' }));
    assert.ok(failed);
    events.forget(failed);
    assert.equal(events.authorize('node-a', 'conn-1', 'failed', 'node-node-a', true), false);
    events.remember('node-a', 'conn-1', params({ runId: 'closed' }));
    events.forgetConnection('conn-1');
    assert.equal(events.authorize('node-a', 'conn-1', 'closed', 'node-node-a', true), false);
    events.remember('node-a', 'conn-2', params({ runId: 'late', timeoutMs: 1_000 }));
    now += 1_000 + 5 * 60_000 - 1;
    assert.equal(events.authorize('node-a', 'conn-2', 'late', 'node-node-a', false), true);
    now += 1;
    assert.equal(events.authorize('node-a', 'conn-2', 'late', 'node-node-a', true), false);
  });
});
