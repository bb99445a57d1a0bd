import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeBudgetMs, resolveProbeTargets } from './targets.js';

const LOCAL = 'ws://127.0.0.1:18789';
const REMOTE = 'wss://gw.example.ts.net';

describe('gateway probe targets', () => {
  const summary = (t: ReturnType<typeof resolveProbeTargets>) => t.map((x) => `${x.id}:${x.url}:${x.active ? 'active' : 'inactive'}`);

  it('lists only the active local loopback in local mode without a remote URL', () => {
    assert.deepEqual(summary(resolveProbeTargets({ remoteMode: false, localUrl: LOCAL, portFlag: false })), [`localLoopback:${LOCAL}:active`]);
  });

  it('in remote mode makes the configured remote active and the local loopback inactive', () => {
    assert.deepEqual(summary(resolveProbeTargets({ remoteUrl: REMOTE, remoteMode: true, localUrl: LOCAL, portFlag: false })), [
      `configRemote:${REMOTE}:active`,
      `localLoopback:${LOCAL}:inactive`,
    ]);
  });

  it('keeps a configured remote URL as an inactive target in local mode', () => {
    assert.deepEqual(summary(resolveProbeTargets({ remoteUrl: REMOTE, remoteMode: false, localUrl: LOCAL, portFlag: false })), [
      `configRemote:${REMOTE}:inactive`,
      `localLoopback:${LOCAL}:active`,
    ]);
  });

  it('puts --url first and drops later targets with the same URL', () => {
    assert.deepEqual(summary(resolveProbeTargets({ explicitUrl: REMOTE, remoteUrl: REMOTE, remoteMode: true, localUrl: LOCAL, portFlag: false })), [
      `explicit:${REMOTE}:active`,
      `localLoopback:${LOCAL}:inactive`,
    ]);
    assert.deepEqual(summary(resolveProbeTargets({ explicitUrl: LOCAL, remoteMode: false, localUrl: LOCAL, portFlag: false })), [`explicit:${LOCAL}:active`]);
  });

  it('with --port probes only the local loopback, active even in remote mode', () => {
    assert.deepEqual(summary(resolveProbeTargets({ remoteUrl: REMOTE, remoteMode: true, localUrl: 'ws://127.0.0.1:4000', portFlag: true })), [
      'localLoopback:ws://127.0.0.1:4000:active',
    ]);
  });

  it('ignores a configured remote URL that is not ws:// or wss://', () => {
    assert.deepEqual(summary(resolveProbeTargets({ remoteUrl: 'http://gw:1', remoteMode: true, localUrl: LOCAL, portFlag: false })), [`localLoopback:${LOCAL}:inactive`]);
  });

  it('gives active targets the whole budget and caps inactive ones (800 ms local, 1500 ms non-loopback)', () => {
    assert.equal(probeBudgetMs(3000, { kind: 'configRemote', active: true, url: REMOTE }), 3000);
    assert.equal(probeBudgetMs(3000, { kind: 'localLoopback', active: true, url: LOCAL }), 3000);
    assert.equal(probeBudgetMs(3000, { kind: 'localLoopback', active: false, url: LOCAL }), 800);
    assert.equal(probeBudgetMs(3000, { kind: 'configRemote', active: false, url: REMOTE }), 1500);
    assert.equal(probeBudgetMs(500, { kind: 'configRemote', active: false, url: REMOTE }), 500);
    assert.equal(probeBudgetMs(3000, { kind: 'configRemote', active: false, url: 'ws://127.0.0.1:9' }), 3000);
  });
});
