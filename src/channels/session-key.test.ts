import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPairingCode, PAIRING_CODE_ALPHABET } from './pairing-code.js';
import { dmScopeOf, sessionKeyFor } from './session-key.js';

describe('channel session keys (assistant.md 1.1)', () => {
  const key = (dmScope: Parameters<typeof sessionKeyFor>[0]['dmScope']) =>
    sessionKeyFor({ agentId: 'main', channel: 'telegram', accountId: 'default', dmScope, peer: { kind: 'direct', id: '777001' } });

  it('maps a DM by session.dmScope', () => {
    assert.equal(key('main'), 'agent:main:main');
    assert.equal(key('per-peer'), 'agent:main:direct:777001');
    assert.equal(key('per-channel-peer'), 'agent:main:telegram:direct:777001');
    assert.equal(key('per-account-channel-peer'), 'agent:main:telegram:default:direct:777001');
    assert.equal(dmScopeOf({ session: { dmScope: 'per-peer' } }), 'per-peer');
    assert.equal(dmScopeOf({ session: { dmScope: 'bogus' } }), 'main');
  });

  it('keys groups per chat and forum topics per topic', () => {
    const group = (topicId?: string) => sessionKeyFor({
      agentId: 'main', channel: 'telegram', accountId: 'default', dmScope: 'main',
      peer: { kind: 'group', id: '-100', ...(topicId ? { topicId } : {}) },
    });
    assert.equal(group(), 'agent:main:telegram:group:-100');
    assert.equal(group('7'), 'agent:main:telegram:group:-100:topic:7');
  });

  it('makes 8-character pairing codes from the unambiguous alphabet', () => {
    assert.doesNotMatch(PAIRING_CODE_ALPHABET, /[0O1I]/);
    for (let i = 0; i < 200; i++) assert.match(newPairingCode(), /^[A-HJ-NP-Z2-9]{8}$/);
  });
});
