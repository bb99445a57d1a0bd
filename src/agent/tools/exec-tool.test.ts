import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createExecTool, EXEC_TIMEOUT_GUIDANCE, type ExecSettings, type ExecToolDeps } from './exec-tool.js';
import { FOREGROUND_FALLBACK_WARNING } from './exec-result.js';
import { runOnGatewayHost } from './gateway-run.js';

const workspace = mkdtempSync(join(tmpdir(), 'exec-tool-'));
after(() => rmSync(workspace, { recursive: true, force: true }));

/** The exec tool on the gateway host, mode full, running real processes in a temp workspace. */
function gatewayExec(settings: Partial<ExecSettings> = {}) {
  const deps: ExecToolDeps = {
    settings: () => ({ host: 'gateway', mode: 'full', allow: [], ...settings }),
    nodes: () => [],
    runOnNode: () => Promise.reject(new Error('no node in this test')),
    runOnGateway: (req) => runOnGatewayHost(req, { defaultCwd: workspace }),
    runId: 'run-1', agentId: 'main', sessionKey: 'agent:main:main',
  };
  const tool = createExecTool(deps);
  let calls = 0;
  return async (args: Record<string, unknown>): Promise<string> => {
    calls += 1;
    const execute = tool.execute as (a: unknown, o: { toolCallId: string; messages: [] }) => Promise<string>;
    return await execute(args, { toolCallId: `call-${calls}`, messages: [] });
  };
}

describe('the exec tool’s limits and options', () => {
  it('runs with no limit when the call passes timeoutSeconds 0 (OpenClaw: "0 disables")', async () => {
    assert.equal(await gatewayExec()({ command: 'sleep 0.3', timeoutSeconds: 0 }), '\n');
  });

  it('holds a huge timeoutSeconds within a timer’s range instead of killing the command at once', async () => {
    assert.equal(await gatewayExec()({ command: 'echo still-here', timeoutSeconds: 1e7 }), '\nstill-here\n');
  });

  it('takes tools.exec.timeoutSeconds as the default limit; a timeout is a failed result (not the tool’s error) with OpenClaw’s retry guidance', async () => {
    assert.equal(await gatewayExec({ timeoutSeconds: 0.2 })({ command: 'sleep 5' }), `exec on the gateway host timed out; the command was killed. ${EXEC_TIMEOUT_GUIDANCE}`);
  });

  it('tells the model when background or yieldMs cannot be honoured: the run was a foreground one', async () => {
    const exec = gatewayExec();
    assert.equal(await exec({ command: 'echo done', background: true }), `${FOREGROUND_FALLBACK_WARNING}\n\ndone\n`);
    assert.equal(await exec({ command: 'echo done', yieldMs: 1000 }), `${FOREGROUND_FALLBACK_WARNING}\n\ndone\n`);
    assert.equal(await exec({ command: 'echo done' }), '\ndone\n');
  });
});
