import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ToolRefusal } from '../../agent/tools/node-target.js';
import { openStateDb, type Database } from '../../store/db.js';
import { EventBus, type BusEvent } from '../events/event-bus.js';
import type { Principal } from '../rpc/context.js';
import { ExecApprovalService } from './exec-approval-service.js';

/** An operator that can answer exec approvals (scope approvals, cap exec-approvals). */
const approver: Principal = {
  connId: 'c1', role: 'operator', scopes: ['operator.approvals'], caps: ['exec-approvals'], isLocal: true, remoteAddress: '127.0.0.1',
  authMethod: 'token', connectedAtMs: 0, client: { id: 'cli', version: 'test', platform: 'linux', mode: 'cli' },
};
const run = { runId: 'run-1', sessionKey: 'agent:main:main', agentId: 'main', agentEvent: () => undefined };
const ask = { toolCallId: 'call-1', host: 'gateway' as const, argv: ['df', '-h'], commandText: 'df -h' };

describe('exec approval expiry', () => {
  let dir: string;
  let db: Database;
  let events: BusEvent[];
  let service: ExecApprovalService;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exec-approvals-'));
    db = openStateDb(join(dir, 'state.db'));
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    service = new ExecApprovalService({ db, bus, principals: () => [approver], isSessionSubscriber: () => true, expiryMs: 50 });
  });
  afterEach(() => {
    service.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends an unanswered request at its expiry: the run gets the refusal, the record closes as expired, a late answer is refused', { timeout: 10_000 }, async () => {
    // The expiry timer is unref'd (it must not hold a gateway open); here a ref'd one keeps the test's loop alive.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await assert.rejects(service.request(ask, run, undefined), (err: unknown) => err instanceof ToolRefusal
        && err.message === 'exec denied: the approval request expired before an operator answered');
    } finally {
      clearInterval(keepAlive);
    }
    const requested = events.find((e) => e.event === 'exec.approval.requested')?.payload as { id: string };
    assert.equal(service.get(requested.id).status, 'expired');
    assert.deepEqual(service.list(), []);
    const terminal = events.filter((e) => e.event === 'session.approval').map((e) => (e.payload as { phase: string; approval: { status: string } }));
    assert.deepEqual(terminal.map((p) => [p.phase, p.approval.status]), [['pending', 'pending'], ['terminal', 'expired']]);
    assert.throws(() => service.resolve(requested.id, 'allow-once', approver), (err: Error & { details?: { reason?: string } }) => err.details?.reason === 'APPROVAL_ALREADY_RESOLVED');
    assert.deepEqual(service.auditLog(10).map((a) => [a.kind, a.outcome ?? null, a.error ?? null]), [['approval-requested', null, null], ['approval-resolved', 'expired', 'expired']]);
  });
});
