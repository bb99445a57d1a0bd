import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, DOCTOR_FIX, formatFailure, hasFixLine, withFailurePrefix } from './cli-error.js';

describe('the CLI failure format', () => {
  it('prints what failed first, then Why:, then Fix:, then context', () => {
    const text = formatFailure({ failed: 'Health check failed: boom', why: 'the socket closed', fix: 'farclaw gateway run', context: ['Source: local loopback'] });
    assert.equal(text, 'Health check failed: boom\nWhy: the socket closed\nFix: farclaw gateway run\nSource: local loopback');
  });

  it('leaves out Why: when the first line already says it', () => {
    assert.equal(formatFailure({ failed: 'X failed: y', fix: 'z' }), 'X failed: y\nFix: z');
  });

  it('prefixes an existing message and keeps its own fix and context lines', () => {
    const msg = 'gateway remote mode misconfigured: gateway.remote.url missing\nConfig: /h/farclaw.json\nFix: set gateway.remote.url, or set gateway.mode=local.';
    assert.equal(
      withFailurePrefix('Health check failed', msg),
      'Health check failed: gateway remote mode misconfigured: gateway.remote.url missing\nFix: set gateway.remote.url, or set gateway.mode=local.\nConfig: /h/farclaw.json',
    );
  });

  it('adds the fallback fix when the message has none, and does not repeat the prefix', () => {
    assert.equal(withFailurePrefix('Health check failed', 'gateway tls fingerprint mismatch'), `Health check failed: gateway tls fingerprint mismatch\nFix: ${DOCTOR_FIX}`);
    assert.equal(withFailurePrefix('X failed', 'X failed: already said', 'do y'), 'X failed: already said\nFix: do y');
  });

  it('moves Why: lines before the fix', () => {
    assert.equal(withFailurePrefix('P', 'a\nFix: f\nWhy: w'), 'P: a\nWhy: w\nFix: f');
  });

  it('recognises a fix only at the start of a line', () => {
    assert.equal(hasFixLine('a\nFix: b'), true);
    assert.equal(hasFixLine('a (Fix: b)'), false);
  });

  it('prefixed keeps the exit code and the JSON error', () => {
    const e = new CliError('boom', 78, { type: 'cli_error', message: 'boom' }).prefixed('Y failed', 'do z');
    assert.equal(e.message, 'Y failed: boom\nFix: do z');
    assert.equal(e.exitCode, 78);
    assert.deepEqual(e.json, { type: 'cli_error', message: 'boom' });
  });
});
