// `farclaw chat` answering an exec approval through a plain stdin pipe: the model asks for `exec`
// on a gateway in mode ask, the terminal shows the command with o/a/d, an unknown answer is asked
// again, `o` runs the command (exec.approval.resolve allow-once) and `d` denies the next one.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fakeModelConfig } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { killOnExit } from '../helpers/kill-on-exit.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

describe('farclaw chat approval prompt in a pipe', () => {
  const { defer } = useDisposers();

  test('o allows once and the command runs; d denies and the model is told; other answers are asked again', { timeout: 300_000 }, async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const gw = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'gateway', mode: 'ask', allow: ['echo'] } } } });
    defer(() => gw.stop());

    const chat: ChildProcessWithoutNullStreams = spawn(process.execPath, [FARCLAW_BIN, 'chat', '--url', gw.url, '--token', TEST_TOKEN], {
      env: gw.home.env, stdio: ['pipe', 'pipe', 'pipe'],
    });
    killOnExit(chat);
    defer(() => void chat.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    chat.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    chat.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(chat, 'exit');
    const type = (line: string): void => void chat.stdin.write(`${line}\n`);
    const waitText = async (what: string, has: () => boolean): Promise<void> => {
      await waitFor(what, () => has() || undefined, 60_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      });
    };
    const execTurn = (id: string, command: string): void =>
      fake.script({ kind: 'tools', calls: [{ id, name: 'exec', args: { command } }] }, { kind: 'quote-tool', prefix: ['Tool said: '] });

    // Allowed once: the command runs and the answer quotes its (empty) result.
    const allowed = join(gw.home.home, 'allowed-ran');
    execTurn('call_allow', `touch ${allowed}`);
    await waitText('the chat to connect', () => stderr.length > 0 || stdout.length > 0);
    type('please touch the file');
    await waitText('the approval prompt', () => stdout.includes(`Approve running: touch ${allowed}\n  o = allow once, a = allow always, d = deny\n`));
    type('maybe');
    await waitText('the prompt to ask again', () => stderr.includes('Answer o (allow once), a (allow always) or d (deny).'));
    assert.equal(existsSync(allowed), false, 'nothing runs before the answer');
    type('o');
    await waitText('allowed', () => stderr.includes('Allowed.'));
    await waitText('the answer after the run', () => count(stdout, 'assistant: Tool said: ') === 1);
    assert.equal(existsSync(allowed), true, 'the allowed command ran');

    // Denied: the command does not run and the model reads the denial.
    const denied = join(gw.home.home, 'denied-ran');
    execTurn('call_deny', `touch ${denied}`);
    type('and this one');
    await waitText('the second prompt', () => stdout.includes(`Approve running: touch ${denied}`));
    type('d');
    await waitText('denied', () => stderr.includes('Denied.'));
    await waitText('the denial in the answer', () => count(stdout, 'assistant: Tool said: ') === 2
      && stdout.slice(stdout.lastIndexOf('assistant: Tool said: ')).includes('exec denied: the operator denied this command'));
    assert.equal(existsSync(denied), false, 'the denied command did not run');

    type('/quit');
    chat.stdin.end();
    const [code] = await exited;
    assert.equal(code, 0, stderr);
  });
});
