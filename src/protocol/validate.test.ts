import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectParamsSchema } from './schema/connect.js';
import { RequestFrameSchema } from './schema/frames.js';
import { LogsTailParamsSchema } from './schema/methods.js';
import { lazyValidator } from './validate.js';

const validateFrame = lazyValidator(RequestFrameSchema);
const validateConnect = lazyValidator(ConnectParamsSchema);
const goodConnect = { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: '1', platform: 'linux', mode: 'cli' } };

describe('validation messages match the real gateway (vectors bad-frames, auth-failure)', () => {
  it('reports a missing id without a path prefix', () => {
    assert.equal(validateFrame.explain({ type: 'req', method: 'health' }), "must have required property 'id'");
  });

  it('reports an empty id as a too-short string', () => {
    assert.equal(validateFrame.explain({ type: 'req', id: '', method: 'health' }), 'at /id: must not have fewer than 1 characters');
  });

  it('reports an event frame with the first missing and first unexpected property, then the constant', () => {
    assert.equal(
      validateFrame.explain({ type: 'event', event: 'hello', payload: {} }),
      "must have required property 'id'; at root: unexpected property 'event'; at /type: must be equal to constant",
    );
  });

  it('reports an extra top-level property', () => {
    assert.equal(validateFrame.explain({ type: 'req', id: 'q1', method: 'health', params: {}, extra: true }), "at root: unexpected property 'extra'");
  });

  it('reports an unknown client id as an enum violation', () => {
    const params = { ...goodConnect, client: { ...goodConnect.client, id: 'nope' } };
    assert.equal(validateConnect.explain(params), 'at /client/id: must be equal to one of the allowed values');
  });

  it('reports an unknown connect property at root', () => {
    assert.equal(validateConnect.explain({ ...goodConnect, foo: 1 }), "at root: unexpected property 'foo'");
  });

  it('reports a nested missing property with its parent path', () => {
    const params = { ...goodConnect, client: { id: 'cli', platform: 'linux', mode: 'cli' } };
    assert.equal(validateConnect.explain(params), "at /client: must have required property 'version'");
  });

  it('reports a non-integer limit', () => {
    assert.equal(lazyValidator(LogsTailParamsSchema).explain({ limit: 'ten' }), 'at /limit: must be integer');
  });

  it('accepts what the real CLI sends', () => {
    const cli = {
      minProtocol: 3, maxProtocol: 4,
      client: { id: 'cli', version: 'dev', platform: 'linux', deviceFamily: 'Linux', mode: 'probe', instanceId: 'x' },
      caps: [], auth: { token: 't' }, role: 'operator', scopes: ['operator.read'],
      device: { id: 'a', publicKey: 'b', signature: 'c', signedAt: 1, nonce: 'n' },
    };
    assert.equal(validateConnect(cli), true);
  });
});
