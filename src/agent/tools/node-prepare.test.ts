import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeAllowlistCovers, nodeShellArgv, parsePreparedRun, policyOfMode } from './node-prepare.js';
import { ToolRefusal } from './node-target.js';

// The prepare answer of the real node host in vector agent-node-exec (frame #92).
const PREPARED = {
  plan: {
    argv: ['/bin/sh', '-lc', 'echo farclaw-node-exec-ok'], cwd: '/home/n', commandText: '/bin/sh -lc "echo farclaw-node-exec-ok"',
    commandPreview: 'echo farclaw-node-exec-ok', agentId: 'main', sessionKey: 'agent:main:main',
    policySnapshot: { security: 'full', ask: 'off', askFallback: 'deny', autoAllowSkills: false, allowlistRules: [] },
  },
  execPolicy: { security: 'full', ask: 'off' },
  allowAlwaysCoverage: { complete: true, patterns: [{ pattern: '/usr/bin/echo', argPattern: 'sha256:cwd-argv:v1:19d2' }] },
};

test('tools.exec.mode maps to the security/ask pair the node is sent', () => {
  assert.deepEqual(policyOfMode('ask'), { security: 'allowlist', ask: 'on-miss' });
  assert.deepEqual(policyOfMode('allowlist'), { security: 'allowlist', ask: 'off' });
  assert.deepEqual(policyOfMode('full'), { security: 'full', ask: 'off' });
  assert.deepEqual(nodeShellArgv('echo hi && uname -s'), ['/bin/sh', '-lc', 'echo hi && uname -s']);
});

test('a prepare answer gives the plan as sent, its argv, texts, node policy and covered executables', () => {
  const run = parsePreparedRun(PREPARED);
  assert.equal(run.plan, PREPARED.plan);
  assert.deepEqual(run.argv, PREPARED.plan.argv);
  assert.equal(run.cwd, '/home/n');
  assert.equal(run.commandText, '/bin/sh -lc "echo farclaw-node-exec-ok"');
  assert.equal(run.commandPreview, 'echo farclaw-node-exec-ok');
  assert.deepEqual(run.execPolicy, { security: 'full', ask: 'off' });
  assert.deepEqual(run.coveredPatterns, ['/usr/bin/echo']);
});

test('a prepare answer without a usable plan is refused; an unknown node policy is left out', () => {
  for (const bad of [undefined, {}, { plan: {} }, { plan: { argv: [] } }, { plan: { argv: ['/bin/sh', 3] } }]) {
    assert.throws(() => parsePreparedRun(bad), (err: unknown) => err instanceof ToolRefusal && /invalid system\.run\.prepare response/.test(err.message));
  }
  const run = parsePreparedRun({ plan: { argv: ['/bin/true'] }, execPolicy: { security: 'yolo', ask: 'off' } });
  assert.equal(run.execPolicy, undefined);
  assert.equal(run.commandText, '/bin/true');
  assert.deepEqual(run.coveredPatterns, []);
});

test('the node approvals cover a run only when every executable it needs is allowlisted for the agent', () => {
  const run = parsePreparedRun(PREPARED);
  const doc = (agents: Record<string, unknown>, defaults: unknown = {}) => ({ path: 'x', exists: true, file: { version: 1, defaults, agents } });
  assert.equal(nodeAllowlistCovers(doc({}), 'main', run), false);
  assert.equal(nodeAllowlistCovers(doc({ main: { allowlist: [{ pattern: '/usr/bin/echo' }] } }), 'main', run), true);
  assert.equal(nodeAllowlistCovers(doc({ '*': { allowlist: [{ pattern: '/usr/bin/echo' }] } }), 'main', run), true);
  assert.equal(nodeAllowlistCovers(doc({ other: { allowlist: [{ pattern: '/usr/bin/echo' }] } }), 'main', run), false);
  assert.equal(nodeAllowlistCovers(doc({}, { allowlist: [{ pattern: '/usr/bin/echo' }] }), 'main', run), true);
  assert.equal(nodeAllowlistCovers(undefined, 'main', run), false);
  // Incomplete coverage (a shell chain): nothing counts as pre-approved.
  const partial = parsePreparedRun({ ...PREPARED, allowAlwaysCoverage: { complete: false, patterns: [{ pattern: '/usr/bin/echo' }] } });
  assert.equal(nodeAllowlistCovers(doc({ main: { allowlist: [{ pattern: '/usr/bin/echo' }] } }), 'main', partial), false);
});
