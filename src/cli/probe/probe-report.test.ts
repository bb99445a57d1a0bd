import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeConfigSnapshot } from './config-summary.js';
import type { ProbeResult } from './probe-gateway.js';
import { buildWarnings, gatewaySelf, isReachable, isScopeLimited, NO_GATEWAY_REACHABLE, pickPrimary, type ProbedTarget } from './probe-report.js';
import type { ProbeTargetKind } from './targets.js';

function probe(over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    url: 'ws://127.0.0.1:1', ok: false, connected: false, connectLatencyMs: null, error: 'connect ECONNREFUSED 127.0.0.1:1', close: null,
    auth: { role: null, scopes: [], capability: 'unknown' }, server: { version: null, connId: null },
    health: null, status: null, presence: null, configSnapshot: null, ...over,
  };
}
const connectedProbe = (bootId: string, over: Partial<ProbeResult> = {}): ProbeResult =>
  probe({ ok: true, connected: true, connectLatencyMs: 5, error: null, server: { version: '1', connId: 'c', bootId }, ...over });
const entry = (kind: ProbeTargetKind, p: ProbeResult, authDiagnostics: string[] = []): ProbedTarget => ({
  target: { id: kind, kind, url: `ws://${kind}:1`, active: true, tunnel: null },
  probe: p,
  authDiagnostics,
});
const codes = (probed: ProbedTarget[]) => buildWarnings(probed).map((w) => w.code);

describe('gateway probe report', () => {
  it('counts a refused connect as reachable but a refused TCP connection as not', () => {
    assert.equal(isReachable(probe({ connectLatencyMs: 280, error: 'unauthorized: gateway token mismatch' })), true);
    assert.equal(isReachable(probe()), false);
  });

  it('recognises a scope-limited read probe from the missing-scope error', () => {
    assert.equal(isScopeLimited(probe({ connected: true, connectLatencyMs: 3, error: 'missing scope: operator.read' })), true);
    assert.equal(isScopeLimited(probe({ connected: true, connectLatencyMs: 3, error: 'timeout' })), false);
    assert.equal(isScopeLimited(probe({ error: 'missing scope: operator.read' })), false);
  });

  it('warns no_gateway_reachable naming every target when nothing answered', () => {
    const warnings = buildWarnings([entry('configRemote', probe()), entry('localLoopback', probe())]);
    assert.deepEqual(warnings, [{ code: 'no_gateway_reachable', message: NO_GATEWAY_REACHABLE, targetIds: ['configRemote', 'localLoopback'] }]);
  });

  it('adds probe_scope_limited for scope-less sockets and probe_detail_failed for other post-connect failures', () => {
    const limited = probe({ connected: true, connectLatencyMs: 3, error: 'missing scope: operator.read' });
    const refused = probe({ connectLatencyMs: 280, error: 'unauthorized: gateway token mismatch', server: { version: null, connId: null, bootId: 'b' } });
    assert.deepEqual(codes([entry('configRemote', limited)]), ['probe_scope_limited']);
    assert.deepEqual(codes([entry('explicit', refused)]), ['probe_detail_failed']);
  });

  it('warns multiple_gateways only when reachable targets are not provably the same gateway', () => {
    assert.deepEqual(codes([entry('configRemote', connectedProbe('boot-1')), entry('localLoopback', connectedProbe('boot-1'))]), []);
    assert.deepEqual(codes([entry('configRemote', connectedProbe('boot-1')), entry('localLoopback', connectedProbe('boot-2'))]), ['multiple_gateways']);
    const anonymous = probe({ ok: true, connected: true, connectLatencyMs: 5, error: null });
    assert.deepEqual(codes([entry('configRemote', connectedProbe('boot-1')), entry('localLoopback', anonymous)]), ['multiple_gateways']);
  });

  it('falls back to the self presence entry when hello-ok has no bootId', () => {
    const self = [{ ts: 1, mode: 'gateway', host: 'gw', ip: '10.0.0.2', instanceId: 'inst-1' }];
    const a = probe({ ok: true, connected: true, connectLatencyMs: 5, error: null, presence: self });
    const b = probe({ ok: true, connected: true, connectLatencyMs: 7, error: null, presence: self });
    assert.deepEqual(codes([entry('configRemote', a), entry('localLoopback', b)]), []);
  });

  it('reports unresolved credentials only for targets that did not answer', () => {
    const diag = ['gateway.remote.token refers to environment variable GW_TOKEN, which is not set'];
    assert.deepEqual(codes([entry('configRemote', probe(), diag), entry('localLoopback', connectedProbe('b'))]), ['auth_secretref_unresolved']);
    assert.deepEqual(codes([entry('configRemote', connectedProbe('b'), diag)]), []);
  });

  it('picks the primary target in the order explicit, configRemote, localLoopback among reachable ones', () => {
    const probed = [entry('explicit', probe()), entry('configRemote', connectedProbe('b')), entry('localLoopback', connectedProbe('b'))];
    assert.equal(pickPrimary(probed)?.target.id, 'configRemote');
    assert.equal(pickPrimary([entry('localLoopback', probe())]), null);
  });

  it('takes the gateway self entry from presence', () => {
    assert.deepEqual(gatewaySelf([{ ts: 1, mode: 'cli', host: 'me' }, { ts: 1, mode: 'gateway', host: 'gw', version: '1.2', platform: 'linux' }]), {
      host: 'gw', ip: null, version: '1.2', platform: 'linux',
    });
    assert.equal(gatewaySelf(null), null);
  });

  it('summarises a config.get answer without secrets and tolerates junk', () => {
    const summary = summarizeConfigSnapshot({
      path: '/x/farclaw.json', exists: true, valid: true, issues: [{ path: 'a', message: 'b' }, 'junk'],
      config: { gateway: { mode: 'remote', port: 19001, auth: { token: '__OPENCLAW_REDACTED__' }, remote: { url: ' wss://gw ', password: { source: 'env', id: 'P' } } } },
    });
    assert.equal(summary.path, '/x/farclaw.json');
    assert.deepEqual(summary.issues, [{ path: 'a', message: 'b' }]);
    assert.deepEqual(
      [summary.gateway.mode, summary.gateway.port, summary.gateway.authTokenConfigured, summary.gateway.remoteUrl, summary.gateway.remotePasswordConfigured],
      ['remote', 19001, true, 'wss://gw', true],
    );
    assert.equal(summarizeConfigSnapshot('nonsense').gateway.authTokenConfigured, false);
  });
});
