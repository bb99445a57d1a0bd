import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../rpc/context.js';
import { mayReceiveEvent } from './event-audience.js';

const principal = (role: 'operator' | 'node', scopes: string[]): Principal => ({
  connId: 'c', role, scopes, client: { id: 'cli', version: '1', platform: 'linux', mode: 'cli' },
  isLocal: true, remoteAddress: '127.0.0.1', authMethod: 'token', connectedAtMs: 0,
});

describe('event delivery filtering (protocol.md 7.5)', () => {
  it('sends lifecycle events to every authenticated socket, scopes or not', () => {
    for (const event of ['tick', 'presence', 'health', 'heartbeat', 'shutdown']) {
      assert.equal(mayReceiveEvent(event, principal('operator', [])), true, event);
      assert.equal(mayReceiveEvent(event, principal('node', [])), event !== 'presence', event);
    }
  });

  it('keeps presence from nodes: their snapshot list is empty, and a fleet reconnect would cost nodes² bytes', () => {
    assert.equal(mayReceiveEvent('presence', principal('node', [])), false);
  });

  it('sends device and node pairing events only to pairing-capable operators', () => {
    for (const event of ['device.pair.requested', 'device.pair.resolved', 'node.pair.requested']) {
      assert.equal(mayReceiveEvent(event, principal('operator', ['operator.pairing'])), true, event);
      assert.equal(mayReceiveEvent(event, principal('operator', ['operator.admin'])), true, event);
      assert.equal(mayReceiveEvent(event, principal('operator', ['operator.read', 'operator.write'])), false, event);
      assert.equal(mayReceiveEvent(event, principal('node', [])), false, event);
    }
  });

  it('sends chat and agent events to readers only, and withholds unknown families', () => {
    assert.equal(mayReceiveEvent('chat', principal('operator', ['operator.read'])), true);
    assert.equal(mayReceiveEvent('agent', principal('operator', ['operator.write'])), true);
    assert.equal(mayReceiveEvent('chat', principal('operator', [])), false);
    assert.equal(mayReceiveEvent('something.new', principal('operator', ['operator.admin'])), false);
  });
});
