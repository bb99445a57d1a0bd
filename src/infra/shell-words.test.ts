import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShellSyntaxError, splitCommand } from './shell-words.js';

describe('splitCommand', () => {
  it('splits words on blanks and keeps quoted text literal', () => {
    assert.deepEqual(splitCommand('df -h'), ['df', '-h']);
    assert.deepEqual(splitCommand("  echo 'a  b' \"c \\\"d\\\"\" e\\ f "), ['echo', 'a  b', 'c "d"', 'e f']);
    assert.deepEqual(splitCommand("echo 'a;b|c>d'"), ['echo', 'a;b|c>d']);
    assert.deepEqual(splitCommand('echo ""'), ['echo', '']);
  });

  for (const [cmd, what] of [
    ['echo a && uname -s', '"&"'], ['ls | wc -l', '"|"'], ['echo a; rm x', '";"'], ['cat < /etc/passwd', '"<"'],
    ['echo $HOME', '"$"'], ['echo `id`', '"`"'], ['echo "$(id)"', '"$" inside double quotes'], ['ls *.txt', '"*"'],
    ["echo 'open", 'an unclosed quote'], ['echo a\nid', 'a line break'],
  ] as const) {
    it(`refuses ${JSON.stringify(cmd)} naming ${what}`, () => {
      assert.throws(() => splitCommand(cmd), (err: unknown) => err instanceof ShellSyntaxError && err.message.includes(`shell syntax (${what})`));
    });
  }

  it('refuses an empty command', () => {
    assert.throws(() => splitCommand('   '), /the command is empty/);
  });
});
