import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGatewayRunResult, formatNodeRunResult, systemRunPayloadOf } from './exec-result.js';

describe('a run’s outcome as the model reads it', () => {
  it('reads OpenClaw’s node answer as it is on the wire (agent-node-exec.json)', () => {
    const r = systemRunPayloadOf(JSON.parse('{"exitCode":0,"timedOut":false,"success":true,"stdout":"farclaw-node-exec-ok\\n","stderr":"","error":null}'));
    assert.deepEqual(r, { exitCode: 0, timedOut: false, success: true, stdout: 'farclaw-node-exec-ok\n', stderr: '' });
    assert.equal(formatNodeRunResult('n1', r), 'Node: n1\n\nfarclaw-node-exec-ok\n');
  });

  it('shows the error text OpenClaw’s node answers when the command could not start', () => {
    const error = 'node exec working directory does not exist on the node host: /nope (os reported: spawn /bin/sh ENOENT)';
    const r = systemRunPayloadOf({ timedOut: false, success: false, stdout: '', stderr: '', error });
    assert.equal(r.exitCode, null);
    assert.equal(formatNodeRunResult('n1', r), `Node: n1\n\n${error}`);
  });

  it('says which signal ended a command that has no exit code', () => {
    const r = systemRunPayloadOf({ exitCode: null, signal: 'SIGSEGV', timedOut: false, success: false, stdout: 'partial', stderr: '' });
    assert.equal(formatNodeRunResult('n1', r), 'Node: n1\n\npartial\n\n(Command aborted by signal SIGSEGV)');
    assert.equal(formatGatewayRunResult({ exitCode: null, signal: 'SIGTERM', timedOut: false, success: false, stdout: '', stderr: '' }), '\n\n(Command aborted by signal SIGTERM)');
  });

  it('keeps the exit code line, and puts warnings first', () => {
    const r = systemRunPayloadOf({ exitCode: 2, timedOut: false, success: false, stdout: 'out\n', stderr: 'err\n', truncated: true });
    assert.equal(formatNodeRunResult('n1', r, ['Warning: first.']),
      'Node: n1\nWarning: first.\nWarning: output truncated by the node host (nodeHost.systemRun.maxOutputBytes).\n\nout\nerr\n\n(Command exited with code 2)');
  });
});
