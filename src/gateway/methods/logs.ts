import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { LogsTailParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';

const DEFAULT_LIMIT = 500;
const DEFAULT_MAX_BYTES = 250_000;

export interface LogsTailResult {
  file: string;
  cursor: number;
  size: number;
  lines: string[];
  truncated: boolean;
  reset: boolean;
}

function readRange(file: string, start: number, end: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, end - start));
  if (buf.length === 0) return buf;
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/**
 * Reads complete lines of the gateway's JSON log. Without a cursor: the last `limit` lines and a
 * cursor at the end of the file. With one: the lines written since, at most `limit` and
 * `maxBytes`; `truncated` says more are waiting, `reset` that the file shrank (rotated).
 */
export function tailLog(file: string, opts: { cursor?: number; limit?: number; maxBytes?: number }): LogsTailResult {
  const limit = opts.limit ?? DEFAULT_LIMIT;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    return { file, cursor: 0, size: 0, lines: [], truncated: false, reset: false };
  }
  if (opts.cursor === undefined) {
    const start = Math.max(0, size - maxBytes);
    let text = readRange(file, start, size).toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const lines = text.split('\n').filter((l) => l !== '');
    return { file, cursor: size, size, lines: lines.slice(-limit), truncated: lines.length > limit || start > 0, reset: false };
  }
  const reset = opts.cursor > size;
  const from = reset ? 0 : opts.cursor;
  const chunk = readRange(file, from, Math.min(size, from + maxBytes));
  const lines: string[] = [];
  let consumed = 0;
  while (lines.length < limit) {
    const nl = chunk.indexOf(0x0a, consumed);
    if (nl === -1) break;
    const line = chunk.subarray(consumed, nl).toString('utf8');
    consumed = nl + 1;
    if (line !== '') lines.push(line);
  }
  const cursor = from + consumed;
  return { file, cursor, size, lines, truncated: cursor < size, reset };
}

/** `logs.tail` (protocol.md 11.10). */
export const handleLogsTail = defineMethod('logs.tail', LogsTailParamsSchema, ({ services }, params) =>
  tailLog(services.logFile, params),
);
