import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestError, TlsError, TransportError } from '../../client/gateway-client.js';
import { classifyReachFailure, reachReason, type ReachFailure } from './reach.js';

const refusal = (code: string, message: string, extra: { retryAfterMs?: number } = {}): RequestError =>
  new RequestError({ code: 'INVALID_REQUEST', message, details: { code }, ...extra });

const failure = (error: unknown, close: ReachFailure['close'] = null): ReachFailure => ({
  ok: false, kind: classifyReachFailure(error, close), error, answered: close !== null, latencyMs: null, close, details: null,
});

describe('classifyReachFailure', () => {
  it('recognises pairing from the details code, the message or the close reason', () => {
    assert.equal(classifyReachFailure(refusal('PAIRING_REQUIRED', 'pairing required'), null), 'pairing');
    assert.equal(classifyReachFailure(new TransportError('gateway closed the connection (1008: pairing required)', 'closed', 'pairing required'), { code: 1008, reason: 'Pairing Required' }), 'pairing');
    assert.equal(classifyReachFailure(refusal('AUTH_TOKEN_MISMATCH', 'unauthorized: gateway token mismatch'), null), 'auth');
  });

  it('tells a rate limit (retry time) from a missing credential and a wrong one', () => {
    assert.equal(classifyReachFailure(refusal('AUTH_RATE_LIMITED', 'too many attempts', { retryAfterMs: 5000 }), null), 'rate-limited');
    assert.equal(classifyReachFailure(refusal('AUTH_TOKEN_MISSING', 'token missing'), null), 'credentials-missing');
    assert.equal(classifyReachFailure(refusal('SOMETHING_ELSE', 'no'), null), 'refused');
  });

  it('sorts transport failures: a connect the gateway sat on, a plain timeout, TLS, the upgrade, a closed socket', () => {
    assert.equal(classifyReachFailure(new TransportError('t', 'timeout', 'connect unanswered', 700), null), 'slowed');
    assert.equal(classifyReachFailure(new TransportError('t', 'timeout', undefined, 700), null), 'timeout');
    assert.equal(classifyReachFailure(new TlsError('pin mismatch'), null), 'tls');
    assert.equal(classifyReachFailure(new TransportError('HTTP 403', 'upgrade'), null), 'upgrade');
    assert.equal(classifyReachFailure(new TransportError('x', 'closed', 'connect ECONNREFUSED 127.0.0.1:1'), null), 'transport');
    assert.equal(classifyReachFailure(new TransportError('x', 'closed', 'device identity required'), { code: 1008, reason: 'device identity required' }), 'refused');
  });
});

describe('reachReason', () => {
  it('names the failed-auth delay instead of a bare timeout', () => {
    assert.equal(
      reachReason(failure(new TransportError('t', 'timeout', 'connect unanswered', 700))),
      'no answer to the connect within 700ms: the gateway delays answers after failed authentication attempts (rate limited)',
    );
    assert.equal(reachReason(failure(new TransportError('t', 'timeout', undefined, 700))), 'timeout');
  });

  it('gives the transport reason, and the close code when the gateway closed without one', () => {
    assert.equal(reachReason(failure(new TransportError('x', 'closed', 'connect ECONNREFUSED 127.0.0.1:1'))), 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(reachReason(failure(new TransportError('gateway closed the connection (4001)', 'closed'), { code: 4001, reason: '' })), 'gateway closed (4001): ');
    assert.equal(reachReason(failure(refusal('AUTH_TOKEN_MISMATCH', 'unauthorized: gateway token mismatch'))), 'unauthorized: gateway token mismatch');
  });
});
