import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import table from '../../protocol/method-scopes.json' with { type: 'json' };
import { FARCLAW_METHOD_SCOPES, UNADVERTISED_METHODS } from '../../protocol/methods.js';
import type { ClientInfo } from '../../protocol/schema/connect.js';
import type { Principal } from './context.js';
import { Dispatcher } from './dispatcher.js';
import { ALL_METHODS } from '../methods/index.js';

const client: ClientInfo = { id: 'cli', version: '1', platform: 'linux', mode: 'cli' };
const principal = (role: 'operator' | 'node', scopes: string[]): Principal => ({
  connId: 'c', role, scopes, client, isLocal: true, remoteAddress: '127.0.0.1', authMethod: 'token', connectedAtMs: 0,
});
const dispatcher = new Dispatcher(ALL_METHODS);
const rows = (table as { methods: { method: string; scope: string }[] }).methods;

describe('method authorization (protocol.md 7.3)', () => {
  it('carries all 482 core methods of method-scopes.json', () => {
    assert.equal(rows.length, 482);
    assert.equal(new Set(rows.map((r) => r.method)).size, 482);
  });

  it('enforces every fixed-scope method with exactly its scope, and refuses it without', () => {
    const fixed = rows.filter((r) => r.scope.startsWith('operator.') && r.method !== 'health' && !r.method.startsWith('device.scopes.'));
    assert.ok(fixed.length > 400);
    for (const { method, scope } of fixed) {
      assert.equal(dispatcher.authorize(principal('operator', [scope]), method, {}), undefined, `${method} with ${scope}`);
      const refused = dispatcher.authorize(principal('operator', ['operator.questions', 'operator.approvals'].includes(scope) ? ['operator.pairing'] : ['operator.questions']), method, {});
      assert.equal(refused?.error.code, 'FORBIDDEN', `${method} without ${scope}`);
      assert.deepEqual(refused?.error.details, { code: 'MISSING_SCOPE', missingScope: scope, requiredScopes: [scope] });
    }
  });

  it('keeps node-only methods for nodes and refuses operators with the role error', () => {
    const nodeOnly = rows.filter((r) => r.scope === 'node');
    assert.equal(nodeOnly.length >= 10, true);
    for (const { method } of nodeOnly) {
      const refusal = dispatcher.authorize(principal('operator', ['operator.admin']), method, {});
      assert.equal(refusal?.error.message, 'unauthorized role: operator');
      assert.equal(refusal?.isRoleViolation, true);
      assert.equal(dispatcher.authorize(principal('node', []), method, {}), undefined);
    }
    assert.equal(dispatcher.authorize(principal('node', []), 'status', {})?.error.message, 'unauthorized role: node');
  });

  it('lets any connection call health, even with no scopes', () => {
    assert.equal(dispatcher.authorize(principal('operator', []), 'health', {}), undefined);
    assert.equal(dispatcher.authorize(principal('node', []), 'health', {}), undefined);
  });

  it('treats unclassified methods as admin-only', () => {
    assert.equal(dispatcher.authorize(principal('operator', ['operator.read']), 'no.such.method', {})?.error.message, 'missing scope: operator.admin');
    assert.equal(dispatcher.authorize(principal('operator', ['operator.admin']), 'no.such.method', {}), undefined);
  });

  it('applies the implications: write covers read and talk, admin covers all', () => {
    assert.equal(dispatcher.authorize(principal('operator', ['operator.write']), 'status', {}), undefined);
    assert.equal(dispatcher.authorize(principal('operator', ['operator.write']), 'talk.speak', {}), undefined);
    assert.equal(dispatcher.authorize(principal('operator', ['operator.write']), 'config.set', {})?.error.message, 'missing scope: operator.admin');
  });

  it('decides dynamic scopes from params', () => {
    const writer = principal('operator', ['operator.write']);
    assert.equal(dispatcher.authorize(writer, 'agent', { message: 'hello' }), undefined);
    assert.equal(dispatcher.authorize(writer, 'agent', { message: '/reset' })?.error.message, 'missing scope: operator.admin');
    assert.equal(dispatcher.authorize(writer, 'node.invoke', { command: 'fs.listDir' })?.error.message, 'missing scope: operator.admin');
    assert.equal(dispatcher.authorize(principal('operator', ['operator.read']), 'talk.config', {}), undefined);
  });

  it('keeps farclaw.audit.log (commands, approvers, exit codes) to operator.admin', () => {
    const approver = principal('operator', ['operator.approvals', 'operator.write']);
    assert.equal(dispatcher.authorize(approver, 'farclaw.audit.log', {})?.error.message, 'missing scope: operator.admin');
    assert.equal(dispatcher.authorize(principal('operator', ['operator.admin']), 'farclaw.audit.log', {}), undefined);
  });

  it('advertises only the methods it implements, all of them known to the table', () => {
    const known = new Set([...rows.map((r) => r.method), ...FARCLAW_METHOD_SCOPES.keys()]);
    for (const name of dispatcher.names()) assert.ok(known.has(name), name);
  });

  it('advertises every registered method but the unadvertised ones, in registration order', () => {
    const hidden = ALL_METHODS.filter((d) => UNADVERTISED_METHODS.has(d.name)).map((d) => d.name);
    assert.ok(hidden.includes('farclaw.audit.log'), 'farclaw methods are answered but not advertised');
    assert.deepEqual(dispatcher.advertisedMethods, ALL_METHODS.map((d) => d.name).filter((m) => !hidden.includes(m)));
    assert.ok(Object.isFrozen(dispatcher.advertisedMethods));
  });
});
