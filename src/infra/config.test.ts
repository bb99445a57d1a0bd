import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigError, REDACTED, loadConfig, redactSecrets, resolveSecret } from './config.js';

describe('config loading', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'farclaw-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string): string => {
    const p = join(dir, 'farclaw.json');
    writeFileSync(p, text);
    return p;
  };

  it('treats a missing file as embedded defaults', () => {
    const c = loadConfig(join(dir, 'absent.json'));
    assert.equal(c.exists, false);
    assert.deepEqual(c.config, {});
  });

  it('reads JSON5 with comments and trailing commas', () => {
    const c = loadConfig(write('{ // mine\n gateway: { mode: "local", port: 30001, }, }'));
    assert.equal(c.config.gateway?.port, 30001);
  });

  it('names the file, line and column of a syntax error', () => {
    const p = write('{\n  gateway: { mode: "local" \n');
    assert.throws(() => loadConfig(p), (err: Error) => err instanceof ConfigError && err.message.startsWith(`Invalid config ${p} (line 3`));
  });

  it('names the offending key of a schema error', () => {
    const p = write('{ gateway: { port: "x" } }');
    assert.throws(() => loadConfig(p), { message: `Invalid config ${p}: at /gateway/port: must be integer` });
    const q = write('{ gateway: { bind: "0.0.0.0" } }');
    assert.throws(() => loadConfig(q), { message: `Invalid config ${q}: at /gateway/bind: must be "loopback" or "lan" or "tailnet" or "auto" or "custom"` });
  });

  it('refuses a top level that is not an object', () => {
    assert.throws(() => loadConfig(write('[1]')), /the top level must be an object/);
  });

  it('keeps keys it does not know (other subsystems own them)', () => {
    assert.deepEqual(loadConfig(write('{ agents: { x: 1 } }')).config, { agents: { x: 1 } });
  });
});

describe('secrets', () => {
  it('resolves env references and fails closed on unknown sources and placeholders', () => {
    assert.equal(resolveSecret({ source: 'env', id: 'MY_T' }, 'k', { MY_T: 'v' }), 'v');
    assert.throws(() => resolveSecret({ source: 'env', id: 'MY_T' }, 'k', {}), /MY_T, which is not set/);
    assert.throws(() => resolveSecret({ source: 'vault', id: 'x' }, 'k', {}), /cannot resolve/);
    assert.throws(() => resolveSecret('undefined', 'gateway.auth.token', {}), /placeholder/);
    assert.equal(resolveSecret('${FOO}', 'k', {}), undefined);
  });

  it('redacts every secret-looking key deeply', () => {
    const out = redactSecrets({ gateway: { auth: { mode: 'token', token: 't' }, remote: { password: 'p', url: 'u' } }, x: [{ botToken: 'b' }] });
    assert.deepEqual(out, { gateway: { auth: { mode: 'token', token: REDACTED }, remote: { password: REDACTED, url: 'u' } }, x: [{ botToken: REDACTED }] });
  });
});
