import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalSessionKey, classify, sessionDefaults, sessionKeyForPeer } from './session-key.js';

describe('session keys (assistant.md 1.1)', () => {
  test('main resolves to the canonical main key; agent keys stay as sent', () => {
    assert.equal(canonicalSessionKey('main', {}), 'agent:main:main');
    assert.equal(canonicalSessionKey('agent:main:dashboard:1', {}), 'agent:main:dashboard:1');
    assert.equal(canonicalSessionKey('global', {}), 'global');
    assert.equal(canonicalSessionKey('notes', {}), 'agent:main:notes');
  });

  test('malformed keys are refused with the key in the message', () => {
    assert.throws(() => canonicalSessionKey('agent:main:', {}), { message: 'invalid session key: agent:main:' });
    assert.throws(() => canonicalSessionKey('  ', {}), /invalid session key/);
    assert.throws(() => canonicalSessionKey('x'.repeat(513), {}), /invalid session key/);
  });

  test('session defaults follow session.scope', () => {
    assert.deepEqual(sessionDefaults({}), { defaultAgentId: 'main', mainKey: 'main', mainSessionKey: 'agent:main:main', scope: 'per-sender' });
    assert.equal(sessionDefaults({ session: { scope: 'global' } }).mainSessionKey, 'global');
  });

  test('channel DMs land by dmScope, groups get their own key', () => {
    const origin = { channel: 'telegram', peerId: '777001' };
    assert.equal(sessionKeyForPeer(origin, {}), 'agent:main:main');
    assert.equal(sessionKeyForPeer(origin, { session: { dmScope: 'per-peer' } }), 'agent:main:direct:777001');
    assert.equal(sessionKeyForPeer(origin, { session: { dmScope: 'per-channel-peer' } }), 'agent:main:telegram:direct:777001');
    assert.equal(sessionKeyForPeer(origin, { session: { dmScope: 'per-account-channel-peer' } }), 'agent:main:telegram:default:direct:777001');
    assert.equal(sessionKeyForPeer({ ...origin, group: { groupId: '-100', topicId: '7' } }, {}), 'agent:main:telegram:group:-100:topic:7');
  });

  test('classification of keys', () => {
    assert.equal(classify('agent:main:main', {}), 'main');
    assert.equal(classify('agent:main:dashboard:x', {}), 'dashboard');
    assert.equal(classify('agent:main:telegram:direct:1', {}), 'direct');
  });
});
