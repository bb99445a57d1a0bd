import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveCapability, kebabCapability, summarizeCapability, targetCapabilityLabel } from './capability.js';

describe('probe capability', () => {
  const connected = { authMetadataPresent: true, connected: true };

  it('ranks admin over write over read', () => {
    assert.equal(deriveCapability({ ...connected, scopes: ['operator.read', 'operator.admin'] }), 'admin_capable');
    assert.equal(deriveCapability({ ...connected, scopes: ['operator.write', 'operator.read'] }), 'write_capable');
    assert.equal(deriveCapability({ ...connected, scopes: ['operator.read'] }), 'read_only');
  });

  it('counts a successful read RPC as read access even without a listed scope', () => {
    assert.equal(deriveCapability({ ...connected, scopes: [], verifiedRead: true }), 'read_only');
  });

  it('reports a scope-less connected socket as connected_no_operator_scope', () => {
    assert.equal(deriveCapability({ ...connected, scopes: [] }), 'connected_no_operator_scope');
  });

  it('keeps unknown when hello-ok carried no auth block, or nothing connected', () => {
    assert.equal(deriveCapability({ scopes: [], authMetadataPresent: false, connected: true }), 'unknown');
    assert.equal(deriveCapability({ scopes: [], authMetadataPresent: false, connected: false }), 'unknown');
  });

  it('reports pairing_pending before anything else', () => {
    assert.equal(deriveCapability({ ...connected, scopes: ['operator.admin'], pairingRequired: true }), 'pairing_pending');
  });

  it('summarises to the best capability, unknown for none', () => {
    assert.equal(summarizeCapability(['unknown', 'connected_no_operator_scope', 'read_only']), 'read_only');
    assert.equal(summarizeCapability(['pairing_pending', 'connected_no_operator_scope']), 'connected_no_operator_scope');
    assert.equal(summarizeCapability([]), 'unknown');
  });

  it('prints kebab-case summaries and the per-target connect-only wording', () => {
    assert.equal(kebabCapability('connected_no_operator_scope'), 'connected-no-operator-scope');
    assert.equal(targetCapabilityLabel('connected_no_operator_scope'), 'Capability: connect-only');
    assert.equal(targetCapabilityLabel('pairing_pending'), 'Capability: pairing pending');
    assert.equal(targetCapabilityLabel('read_only'), 'Capability: read-only');
  });
});
