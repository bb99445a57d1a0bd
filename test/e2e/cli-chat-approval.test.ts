// `farclaw chat` answering an exec approval through a plain stdin pipe: the model asks for `exec`
// on a gateway in mode ask, the terminal shows the command with o/a/d, an unknown answer is asked
// again, `o` runs the command (exec.approval.resolve allow-once) and `d` denies the next one.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { spawnChatCli } from '../helpers/chat-cli.js';
import { fakeModelConfig } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startGateway } from '../helpers/gateway-process.js';

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

describe('farclaw chat approval prompt in a pipe', () => {
  const { defer } = useDisposers();

  test('o allows once and the command runs; d denies and the model is told; other answers are asked again', { timeout: 300_000 }, async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const gw = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'gateway', mode: 'ask', allow: ['echo'] } } } });
    defer(() => gw.stop());

    const chat = spawnChatCli(gw.url, gw.home.env, defer);
    const execTurn = (id: string, command: string): void =>
      fake.script({ kind: 'tools', calls: [{ id, name: 'exec', args: { command } }] }, { kind: 'quote-tool', prefix: ['Tool said: '] });

    // Allowed once: the command runs and the answer quotes its (empty) result.
    const allowed = join(gw.home.home, 'allowed-ran');
    execTurn('call_allow', `touch ${allowed}`);
    await chat.until('the chat to connect', () => chat.stderr.length > 0 || chat.stdout.length > 0);
    chat.type('please touch the file');
    await chat.until('the approval prompt', () => chat.stdout.includes(`Approve running: touch ${allowed}\n  o = allow once, a = allow always, d = deny\n`));
    chat.type('maybe');
    await chat.until('the prompt to ask again', () => chat.stderr.includes('Answer o (allow once), a (allow always) or d (deny).'));
    assert.equal(existsSync(allowed), false, 'nothing runs before the answer');
    chat.type('o');
    await chat.until('allowed', () => chat.stderr.includes('Allowed.'));
    await chat.until('the answer after the run', () => count(chat.stdout, 'assistant: Tool said: ') === 1);
    assert.equal(existsSync(allowed), true, 'the allowed command ran');

    // Denied: the command does not run and the model reads the denial.
    const denied = join(gw.home.home, 'denied-ran');
    execTurn('call_deny', `touch ${denied}`);
    chat.type('and this one');
    await chat.until('the second prompt', () => chat.stdout.includes(`Approve running: touch ${denied}`));
    chat.type('d');
    await chat.until('denied', () => chat.stderr.includes('Denied.'));
    await chat.until('the denial in the answer', () => count(chat.stdout, 'assistant: Tool said: ') === 2
      && chat.stdout.slice(chat.stdout.lastIndexOf('assistant: Tool said: ')).includes('exec denied: the operator denied this command'));
    assert.equal(existsSync(denied), false, 'the denied command did not run');

    chat.type('/quit');
    assert.equal(await chat.end(), 0, chat.stderr);
  });
});
