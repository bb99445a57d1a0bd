import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../protocol/errors.js';
import { checkSharedSecret, secretsEqual } from './shared-secret.js';

const localCli = { clientId: 'cli', isLocal: true };

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('shared-secret auth', () => {
  it('compares secrets of different lengths without throwing', () => {
    assert.equal(secretsEqual('a', 'abc'), false);
    assert.equal(secretsEqual('abc', 'abc'), true);
  });

  it('accepts the token in either field', () => {
    const auth = { mode: 'token' as const, token: 'T' };
    assert.equal(checkSharedSecret(auth, { token: 'T' }, localCli), 'token');
    assert.equal(checkSharedSecret(auth, { password: 'T' }, localCli), 'token');
  });

  it('accepts a password sent as token on a password gateway', () => {
    assert.equal(checkSharedSecret({ mode: 'password', password: 'PW' }, { token: 'PW' }, localCli), 'password');
  });

  it('rejects a wrong token with the local CLI hint', () => {
    const err = refusal(() => checkSharedSecret({ mode: 'token', token: 'T' }, { token: 'x' }, localCli));
    assert.equal(err.message, "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)");
    assert.deepEqual(err.details, { code: 'AUTH_TOKEN_MISMATCH', authReason: 'token_mismatch', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials' });
  });

  it('words the hint for remote CLIs and backends', () => {
    const remote = refusal(() => checkSharedSecret({ mode: 'token', token: 'T' }, { token: 'x' }, { clientId: 'cli', isLocal: false }));
    assert.match(remote.message, /\(set gateway\.remote\.token to match gateway\.auth\.token\)$/);
    const backend = refusal(() => checkSharedSecret({ mode: 'token', token: 'T' }, { token: 'x' }, { clientId: 'gateway-client', isLocal: true }));
    assert.match(backend.message, /\(provide gateway auth token\)$/);
    const pw = refusal(() => checkSharedSecret({ mode: 'password', password: 'P' }, { password: 'x' }, localCli));
    assert.equal(pw.message, "unauthorized: gateway password mismatch (use this gateway's gateway.auth.password)");
  });

  it('asks for a device identity when no credential was sent, or when mode is none', () => {
    const none = refusal(() => checkSharedSecret({ mode: 'token', token: 'T' }, {}, localCli));
    assert.equal(none.code, 'NOT_PAIRED');
    assert.equal(none.message, 'device identity required');
    const modeNone = refusal(() => checkSharedSecret({ mode: 'none' }, { token: 'T' }, localCli));
    assert.deepEqual(modeNone.details, { code: 'DEVICE_IDENTITY_REQUIRED' });
  });
});
