/**
 * The exec tool's command string as an argv, without a shell.
 *
 * OpenClaw wraps a node command in `/bin/sh -lc "<cmd>"` and lets the node host bind an approval
 * to it (assistant.md 8.3, 8.4). Our node host runs that wrapper as sent (src/node/system-run.ts),
 * but only when its line is one program its owner allowlisted, so allowlisting a program never
 * allows a chain behind it. The gateway (for a node that does not prepare runs) and our node host
 * therefore split the command themselves, with shell quoting rules, and refuse shell syntax
 * (chains, pipes, redirections, expansions, globs) instead of guessing what a shell would start.
 */

/** Why a command string cannot become an argv; `message` is what the model is told. */
export class ShellSyntaxError extends Error {}

/** Characters that mean something to a shell and nothing to a plain argv. */
const OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')', '`', '$', '*', '?', '~', '{', '}', '\n', '\r']);

function refuse(what: string): never {
  throw new ShellSyntaxError(
    `shell syntax (${what}) cannot run here: the node runs one allowlisted program per command. ` +
      'Run one command with its arguments (for example "df -h"), one tool call per command.',
  );
}

/**
 * Splits `command` into words: whitespace separates, '…' is literal, "…" is literal except for
 * \" and \\, a backslash outside quotes escapes the next character.
 * @throws ShellSyntaxError for an empty command, an unclosed quote, or shell operators/expansions.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i += 1) {
    const ch = command[i] as string;
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) refuse('an unclosed quote');
      word += command.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j += 1) {
        const c = command[j] as string;
        if (c === '$' || c === '`') refuse(`"${c}" inside double quotes`);
        if (c === '\\' && (command[j + 1] === '"' || command[j + 1] === '\\')) {
          word += command[j + 1];
          j += 1;
        } else word += c;
      }
      if (j >= command.length) refuse('an unclosed quote');
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= command.length) refuse('a trailing backslash');
      word += command[i + 1];
      i += 1;
    } else if (OPERATORS.has(ch)) {
      refuse(ch === '\n' || ch === '\r' ? 'a line break' : `"${ch}"`);
    } else word += ch;
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new ShellSyntaxError('the command is empty');
  return words;
}
