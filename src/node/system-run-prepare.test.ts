import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ExecApprovalsStore } from './exec-approvals.js';
import type { NodeHostPolicy } from './node-config.js';
import { formatExecCommand, shellWrapperPayload } from './shell-wrapper.js';
import { programArgv, systemRun } from './system-run.js';
import { systemRunPrepare } from './system-run-prepare.js';
import { CommandError, ExecutableFinder } from './system-which.js';

const policy: NodeHostPolicy = { runAllow: ['echo', 'uname'], runTimeoutMs: 10_000, maxOutputBytes: 4096 };
const finder = new ExecutableFinder(process.env.PATH ?? '');
const isDenied = (code: string, pattern: RegExp) => (err: CommandError) => err instanceof CommandError && err.code === code && pattern.test(err.message);

describe('shell wrappers on the node host', () => {
  it('finds the command line inside sh -lc / bash -c and nothing else', () => {
    assert.equal(shellWrapperPayload(['/bin/sh', '-lc', 'echo hi']), 'echo hi');
    assert.equal(shellWrapperPayload(['bash', '-c', 'uname -s']), 'uname -s');
    assert.equal(shellWrapperPayload(['/bin/sh', '-l', '-c', 'echo hi']), 'echo hi');
    assert.equal(shellWrapperPayload(['/bin/sh', '-lc', 'echo $0', 'x']), null, 'positional args after the line change what runs');
    assert.equal(shellWrapperPayload(['/bin/sh', '-x', '-c', 'echo hi']), null);
    assert.equal(shellWrapperPayload(['python3', '-c', 'print(1)']), null);
    assert.equal(shellWrapperPayload(['echo', 'hi']), null);
  });

  it('formats an argv as OpenClaw’s commandText', () => {
    assert.equal(formatExecCommand(['/bin/sh', '-lc', 'echo "a b"']), '/bin/sh -lc "echo \\"a b\\""');
    assert.equal(formatExecCommand(['echo', '']), 'echo ""');
  });

  it('judges the line inside a wrapper as one program, refuses shell syntax in it, and runs the wrapper', async () => {
    assert.deepEqual(programArgv(['/bin/sh', '-lc', "echo 'a b' c"]), ['echo', 'a b', 'c']);
    assert.throws(() => programArgv(['/bin/sh', '-lc', 'echo a && uname -s']), isDenied('INVALID_REQUEST', /^SYSTEM_RUN_DENIED: shell syntax \("&"\)/));
    const r = await systemRun({ command: ['/bin/sh', '-lc', 'echo wrapped-ok'] }, policy, finder, '/cfg.json5', 10_000, new AbortController().signal);
    assert.equal(r.stdout, 'wrapped-ok\n');
  });
});

describe('system.run.prepare on the node host', () => {
  let dir: string;
  let approvals: ExecApprovalsStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-prepare-'));
    approvals = new ExecApprovalsStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const prepare = (params: Record<string, unknown>) => systemRunPrepare(params, policy, finder, '/cfg.json5', approvals);

  it('answers the plan with the wrapper’s line as the preview, the bound cwd and the executable to cover', () => {
    const r = prepare({ command: ['/bin/sh', '-lc', 'echo prepared'], rawCommand: 'echo prepared', cwd: dir, agentId: 'main', sessionKey: 'agent:main:main', security: 'allowlist', ask: 'on-miss' });
    assert.deepEqual(r.plan, {
      argv: ['/bin/sh', '-lc', 'echo prepared'], cwd: realpathSync(dir), commandText: '/bin/sh -lc "echo prepared"', commandPreview: 'echo prepared',
      agentId: 'main', sessionKey: 'agent:main:main',
      // OpenClaw's node host's snapshot of its default policy (agent-node-exec.json).
      policySnapshot: { security: 'full', ask: 'off', askFallback: 'deny', autoAllowSkills: false, allowlistRules: [] },
    });
    assert.deepEqual(r.execPolicy, { security: 'full', ask: 'off' });
    assert.deepEqual(r.allowAlwaysCoverage, { complete: true, patterns: [{ pattern: finder.find('echo') }] });
  });

  it('takes a plain argv as is, with no preview', () => {
    const r = prepare({ command: ['uname', '-s'], rawCommand: 'uname -s' });
    assert.equal(r.plan.commandText, 'uname -s');
    assert.equal(r.plan.commandPreview, null);
    assert.ok(statSync(r.plan.cwd).isDirectory());
  });

  it('refuses a shell chain inside the wrapper as OpenClaw’s node does, before anyone is asked', () => {
    assert.throws(() => prepare({ command: ['/bin/sh', '-lc', 'echo a; uname'] }), isDenied('INVALID_REQUEST', /^SYSTEM_RUN_DENIED: shell syntax/));
  });

  it('refuses a program outside the owner’s allowlist, naming the config', () => {
    assert.throws(() => prepare({ command: ['/bin/sh', '-lc', 'touch /tmp/x'] }), isDenied('NOT_ALLOWED', /"touch" is not in nodeHost\.systemRun\.allow of this node \(\/cfg\.json5\)/));
  });

  it('refuses a rawCommand that is not the command it would run', () => {
    assert.throws(() => prepare({ command: ['/bin/sh', '-lc', 'echo a'], rawCommand: 'echo b' }), isDenied('INVALID_REQUEST', /rawCommand does not match command/));
  });

  it('refuses a refused env variable, a missing cwd and a missing command', () => {
    assert.throws(() => prepare({ command: ['echo', 'x'], env: { LD_PRELOAD: '/tmp/x.so' } }), isDenied('INVALID_REQUEST', /^SYSTEM_RUN_DENIED: env variable "LD_PRELOAD" is refused/));
    assert.throws(() => prepare({ command: ['echo', 'x'], cwd: join(dir, 'missing') }), isDenied('INVALID_REQUEST', /working directory does not exist/));
    assert.throws(() => prepare({ rawCommand: 'echo x' }), isDenied('INVALID_REQUEST', /command required/));
  });

  it('reports the approvals document’s policy for the agent', () => {
    approvals.set({ file: { version: 1, defaults: { security: 'allowlist' }, agents: { main: { ask: 'always' } } } });
    assert.deepEqual(prepare({ command: ['echo', 'x'], agentId: 'main' }).execPolicy, { security: 'allowlist', ask: 'always' });
    assert.deepEqual(prepare({ command: ['echo', 'x'], agentId: 'other' }).execPolicy, { security: 'allowlist', ask: 'off' });
  });
});

describe('the node’s exec approvals document', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'farclaw-approvals-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty, is replaced only with the hash last read, and is stored 0600', () => {
    const store = new ExecApprovalsStore(dir);
    const first = store.get();
    assert.equal(first.exists, false);
    assert.deepEqual(first.file, { version: 1, defaults: {}, agents: {} });
    const written = store.set({ file: { version: 1, defaults: {}, agents: { main: { allowlist: [{ pattern: '/usr/bin/echo', extra: 1 }] } } } });
    assert.deepEqual(written.file.agents.main, { allowlist: [{ pattern: '/usr/bin/echo' }] });
    assert.equal(statSync(store.path).mode & 0o777, 0o600);
    assert.deepEqual(store.get(), written);
    assert.throws(() => store.set({ file: { version: 1 }, baseHash: first.hash }), isDenied('INVALID_REQUEST', /changed; reload and retry/));
    assert.equal(store.set({ file: { version: 1 }, baseHash: written.hash }).exists, true);
  });

  it('refuses a malformed document, naming the field', () => {
    const store = new ExecApprovalsStore(dir);
    assert.throws(() => store.set({}), isDenied('INVALID_REQUEST', /exec approvals file required/));
    assert.throws(() => store.set({ file: { defaults: { security: 'yolo' } } }), isDenied('INVALID_REQUEST', /defaults\.security must be deny, allowlist or full/));
    assert.throws(() => store.set({ file: { agents: { main: { allowlist: [{ pattern: '' }] } } } }), isDenied('INVALID_REQUEST', /agents\.main\.allowlist\[0\]\.pattern/));
    assert.equal(store.get().exists, false);
  });
});
