import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTable } from '../table.js';
import { gatewayRow, renderStatus, statusJson, type GatewayView, type StatusReport } from './status-render.js';

const view = (over: Partial<GatewayView> = {}): GatewayView => ({
  mode: 'remote', url: 'ws://127.0.0.1:4000', urlSource: 'config gateway.remote.url', misconfigured: false, reachable: true,
  connectLatencyMs: 12, self: null, error: null, authWarning: null, ...over,
});
const report = (over: Partial<StatusReport> = {}): StatusReport => ({
  gateway: view(), authKind: 'token', configPath: '/h/.farclaw/farclaw.json', tailscaleMode: 'off', dashboard: 'http://127.0.0.1:18789/',
  status: { runtimeVersion: '0.1.0', sessions: { count: 2 } }, health: { ok: true, eventLoop: { degraded: false, delayMaxMs: 3, delayP99Ms: 2 } },
  presence: [], ...over,
});

describe('status rendering', () => {
  it('writes the Gateway row as mode · url (source) · reachable <ms> · auth <kind>', () => {
    assert.equal(gatewayRow(view(), 'token'), 'remote · ws://127.0.0.1:4000 (config gateway.remote.url) · reachable 12ms · auth token');
  });

  it('writes an unreachable row with the connect error and no auth part', () => {
    const row = gatewayRow(view({ reachable: false, connectLatencyMs: null, error: 'connect ECONNREFUSED 127.0.0.1:4000' }), 'token');
    assert.equal(row, 'remote · ws://127.0.0.1:4000 (config gateway.remote.url) · unreachable (connect ECONNREFUSED 127.0.0.1:4000)');
  });

  it('marks a remote mode without gateway.remote.url as misconfigured', () => {
    const row = gatewayRow(view({ mode: 'remote', url: 'ws://127.0.0.1:18789', urlSource: 'missing gateway.remote.url (fallback local)', misconfigured: true }), 'none');
    assert.match(row, /^remote · ws:\/\/127\.0\.0\.1:18789 \(missing gateway\.remote\.url \(fallback local\)\) · misconfigured/);
  });

  it('puts the status payload at the top level of --json next to gateway, and adds --all/--deep extras', () => {
    const plain = statusJson(report(), {});
    assert.equal(plain.runtimeVersion, '0.1.0');
    assert.deepEqual(plain.gateway, view());
    assert.equal('presence' in plain, false);
    const deep = statusJson(report(), { all: true, deep: true });
    assert.deepEqual(deep.presence, []);
    assert.deepEqual(deep.securityAudit, { available: false, summary: null, findings: [] });
  });

  it('adds Security audit and a Health table with the Gateway reachable row for --deep', () => {
    const lines = renderStatus(report(), { deep: true }).split('\n');
    assert.ok(lines.includes('Security audit'));
    const health = lines.slice(lines.indexOf('Health'));
    assert.ok(health.some((l) => /^│ Gateway\s+│ reachable 12ms\s+│$/.test(l)), health.join('\n'));
  });

  it('draws tables with every row on one line, padded to the widest cell', () => {
    assert.equal(
      renderTable(['Item', 'Value'], [['Gateway', 'ok'], ['X', 'longer value']]),
      [
        '┌─────────┬──────────────┐',
        '│ Item    │ Value        │',
        '├─────────┼──────────────┤',
        '│ Gateway │ ok           │',
        '│ X       │ longer value │',
        '└─────────┴──────────────┘',
      ].join('\n'),
    );
  });
});
