// `farclaw chat` driven through a plain stdin pipe (no pty) against a real gateway process and the
// fake model: history on open, streaming, /abort, /new, and a gateway restart mid-conversation
// with a line typed while the gateway was down (issue 14, "reconnects without losing a line").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { spawnChatCli } from '../helpers/chat-cli.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startGateway } from '../helpers/gateway-process.js';
import { tmpHome } from '../helpers/tmp-home.js';

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

describe('farclaw chat in a pipe', () => {
  const { defer } = useDisposers();

  test('shows history, streams answers, aborts, starts over and survives a gateway restart without losing or doubling a line', { timeout: 300_000 }, async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const config = fakeModelConfig(fake);
    // Our own home, so stopping the first gateway keeps its state for the restart.
    const home = tmpHome();
    defer(() => home.dispose());
    let gw = await startGateway({ config, home });
    defer(() => gw.stop());
    const seed = await operator(gw.url);
    await seed.call('chat.inject', { sessionKey: 'agent:main:main', message: 'earlier note in the history' });
    seed.terminate();

    const chat = spawnChatCli(gw.url, gw.home.env, defer);
    const waitOut = (what: string, needle: string): Promise<void> => chat.until(what, () => chat.stdout.includes(needle));

    // History on open.
    await waitOut('history on open', 'assistant: earlier note in the history');

    // A streamed answer; our own line is not echoed back.
    fake.script({ kind: 'text', chunks: ['Hello', ' from', ' the', ' model.'], delayMs: 50 });
    chat.type('first question');
    await waitOut('first answer', 'assistant: Hello from the model.\n');
    assert.equal(count(chat.stdout, 'you: first question'), 0);

    // /abort stops a held answer; the partial text stays with the [aborted] mark.
    fake.script({ kind: 'text', chunks: ['partial', ' never shown'], holdAfter: 1 });
    chat.type('a long one please');
    await waitOut('first chunk of the held answer', 'assistant: partial');
    chat.type('/abort');
    await waitOut('abort mark', 'partial [aborted]\n');
    fake.release();

    // The gateway goes away; a line typed meanwhile is sent once it is back, exactly once.
    await gw.stop();
    await chat.until('reconnect notice', () => chat.stderr.includes('Connection lost'));
    const requestsBefore = fake.requests.length;
    fake.script({ kind: 'text', chunks: ['Back', ' again.'] });
    chat.type('typed while the gateway was down');
    gw = await startGateway({ config, home, port: gw.port });
    await waitOut('answer after the restart', 'assistant: Back again.\n');
    assert.equal(fake.requests.length, requestsBefore + 1, 'the line typed during the outage started exactly one run');
    assert.match(JSON.stringify(fake.requests.at(-1)?.body), /typed while the gateway was down/);

    // /new starts over; the next answer has no earlier context.
    chat.type('/new');
    await chat.until('new conversation notice', () => chat.stderr.includes('Started a new conversation.'));
    fake.script({ kind: 'text', chunks: ['Fresh', ' start.'] });
    chat.type('after new');
    await waitOut('answer after /new', 'assistant: Fresh start.\n');
    assert.doesNotMatch(JSON.stringify(fake.requests.at(-1)?.body), /first question/);

    // End of input ends the command cleanly.
    assert.equal(await chat.end(), 0, chat.stderr);
    for (const answer of ['Hello from the model.', 'Back again.', 'Fresh start.']) assert.equal(count(chat.stdout, answer), 1, `"${answer}" printed once:\n${chat.stdout}`);
    assert.doesNotMatch(chat.stderr, /\n\s+at /, 'no stack trace');
  });
});
