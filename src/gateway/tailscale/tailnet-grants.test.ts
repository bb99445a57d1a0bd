import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantedScopes, tailnetGrantFor } from './tailnet-grants.js';
import { parseWhois, WhoisCache } from './whois-cache.js';
import { isPermissionError, parseTailscaleJson } from './tailscale-cli.js';

describe('tailnet grants', () => {
  const cfg = {
    grants: { 'Alice@Example.com': ['operator.admin'], 'group:family': ['operator.write'], 'tag:readonly': ['operator.read'] },
    groups: { 'group:family': ['bob@example.com', 'carol@example.com'] },
  };

  it('without grants every verified identity keeps what it asks for (OpenClaw)', () => {
    const grant = tailnetGrantFor(undefined, { login: 'x@example.com', tags: [] });
    assert.deepEqual(grant, { kind: 'unrestricted' });
    assert.deepEqual(grantedScopes(grant!, ['operator.admin', 'operator.read', 'operator.read']), ['operator.admin', 'operator.read']);
  });

  it('matches a login case-insensitively, a group through its members, and a tag; scopes add up', () => {
    const alice = tailnetGrantFor(cfg, { login: 'alice@example.com', tags: [] });
    assert.deepEqual(grantedScopes(alice!, ['operator.admin', 'operator.pairing']), ['operator.admin', 'operator.pairing']);
    const bob = tailnetGrantFor(cfg, { login: 'BOB@example.com', tags: [] });
    assert.deepEqual(grantedScopes(bob!, ['operator.admin', 'operator.read', 'operator.write', 'operator.pairing']), ['operator.read', 'operator.write']);
    const kiosk = tailnetGrantFor(cfg, { login: 'tagged-devices', tags: ['tag:readonly'] });
    assert.deepEqual(grantedScopes(kiosk!, ['operator.admin', 'operator.read']), ['operator.read']);
    const both = tailnetGrantFor(cfg, { login: 'carol@example.com', tags: ['tag:readonly'] });
    assert.deepEqual(both && both.kind === 'granted' ? both.matched.sort() : [], ['group:family', 'tag:readonly']);
  });

  it('gives nothing to an identity no selector names', () => {
    assert.equal(tailnetGrantFor(cfg, { login: 'mallory@example.com', tags: ['tag:other'] }), undefined);
  });
});

describe('whois', () => {
  it('reads login, display name and tags from whois --json', () => {
    assert.deepEqual(
      parseWhois({ Node: { Tags: ['tag:a'] }, UserProfile: { LoginName: 'a@b.c', DisplayName: 'A' } }),
      { login: 'a@b.c', displayName: 'A', tags: ['tag:a'] },
    );
    assert.equal(parseWhois({ Node: {} }), undefined);
  });

  it('caches answers 60 s and failures 5 s, and shares one call among concurrent lookups', async () => {
    let now = 1_000_000;
    const calls: string[] = [];
    const answers: Record<string, string> = { '100.64.0.7': '{"UserProfile":{"LoginName":"alice@example.com"}}' };
    const cache = new WhoisCache({
      run: async (args: readonly string[]) => {
        const ip = args[2] ?? '';
        calls.push(ip);
        const out = answers[ip];
        if (out === undefined) throw new Error('no match');
        return out;
      },
    }, () => now);
    const [a, b] = await Promise.all([cache.lookup('100.64.0.7'), cache.lookup('100.64.0.7')]);
    assert.equal(a?.login, 'alice@example.com');
    assert.equal(b?.login, 'alice@example.com');
    assert.equal(await cache.lookup('100.64.0.9'), undefined);
    assert.deepEqual(calls, ['100.64.0.7', '100.64.0.9']);
    now += 5_001;
    await cache.lookup('100.64.0.7');
    await cache.lookup('100.64.0.9');
    assert.deepEqual(calls, ['100.64.0.7', '100.64.0.9', '100.64.0.9']);
    now += 55_000;
    await cache.lookup('100.64.0.7');
    assert.equal(calls.length, 4);
  });
});

describe('tailscale output', () => {
  it('parses JSON with warning lines around it and recognises permission refusals', () => {
    assert.deepEqual(parseTailscaleJson('Warning: client version "1.88" != tailscaled server version "1.90"\n{"a":1}\n'), { a: 1 });
    assert.throws(() => parseTailscaleJson('[1]'));
    assert.equal(isPermissionError('Access denied: serve config denied'), true);
    assert.equal(isPermissionError('no match for IP'), false);
  });
});
