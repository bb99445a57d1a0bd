import assert from 'node:assert/strict';

/** What `runFarclaw` returns. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything needed to see why a CLI run did not do what a test expected. */
export function show(r: CliResult): string {
  return `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Lines of a stream, without the trailing empty line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The first line of stderr ("stderr line 1" in the acceptance checklist). */
export function stderrLine1(r: CliResult): string {
  return linesOf(r.stderr)[0] ?? '';
}

/** Asserts the exit code, printing the whole run when it differs. */
export function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `expected exit ${code}\n${show(r)}`);
}

/** Asserts that one line of `text` equals `line` exactly. */
export function assertHasLine(text: string, line: string, r: CliResult): void {
  assert.ok(linesOf(text).includes(line), `expected the line ${JSON.stringify(line)}\n${show(r)}`);
}

/** Parses `--json` stdout; the whole of it must be one JSON object. */
export function jsonOut(r: CliResult): Record<string, any> {
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not one JSON document\n${show(r)}`);
  }
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `stdout is not a JSON object\n${show(r)}`);
  return value as Record<string, any>;
}

/**
 * Human table output with box-drawing borders removed and whitespace runs collapsed, so a table
 * row that wraps over several lines reads as one sentence (`Gateway remote · ws://… · auth token`).
 */
export function flatText(text: string): string {
  return text.replace(/[│┃┌┐└┘├┤┬┴┼─━]/g, ' ').replace(/\s+/g, ' ');
}

/** `s` as a literal regular-expression source. */
export const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
