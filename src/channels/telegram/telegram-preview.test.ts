import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCK_MAX_CHARS, BLOCK_MIN_CHARS, nextBlockEnd } from './telegram-preview.js';
import { toolLine } from './telegram-progress.js';

describe('block boundaries of a streamed answer', () => {
  it('shows nothing new until BLOCK_MIN_CHARS arrived after the last block', () => {
    assert.equal(nextBlockEnd('short\n\nstill short', 0), 0);
  });

  it('ends a block at the last paragraph break once enough text arrived', () => {
    const first = 'a'.repeat(150);
    const text = `${first}\n\n${'b'.repeat(BLOCK_MIN_CHARS)}`;
    assert.equal(nextBlockEnd(text, 0), first.length + 2);
    assert.equal(nextBlockEnd(text, first.length + 2), first.length + 2, 'the unfinished paragraph waits');
  });

  it('cuts a paragraph that outgrew BLOCK_MAX_CHARS at a sentence end or space, never mid-word', () => {
    const sentence = 'This sentence ends here. ';
    const text = sentence.repeat(Math.ceil((BLOCK_MAX_CHARS + 50) / sentence.length));
    const end = nextBlockEnd(text, 0);
    assert.ok(end <= BLOCK_MAX_CHARS && end > BLOCK_MAX_CHARS - sentence.length, String(end));
    assert.ok(text.slice(0, end).endsWith('here. '));
    assert.equal(nextBlockEnd('x'.repeat(BLOCK_MAX_CHARS * 2), 0), BLOCK_MAX_CHARS, 'no break at all: a hard cut');
  });
});

describe('the tool line of a draft', () => {
  it('shows an exec command as written and other arguments as JSON', () => {
    assert.equal(toolLine('exec', { host: 'node', command: 'uname -a' }), '⚙ exec: uname -a');
    assert.equal(toolLine('nodes', { action: 'status' }), '⚙ nodes: {"action":"status"}');
    assert.equal(toolLine('nodes', {}), '⚙ nodes');
    assert.equal(toolLine('nodes', undefined), '⚙ nodes');
  });

  it('cuts long arguments to 120 characters with an ellipsis', () => {
    const line = toolLine('exec', { command: `echo ${'x'.repeat(300)}` });
    assert.equal(line.length, '⚙ exec: '.length + 120);
    assert.ok(line.endsWith('x…'));
  });
});
