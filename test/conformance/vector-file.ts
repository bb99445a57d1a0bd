import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';

/** Where the copies of `shared/vectors/*.json` live (read from the sources, tsc does not copy them). */
export const VECTORS_DIR = join(REPO_ROOT, 'test', 'conformance', 'vectors');

/** A wrong shared token, as long as the right one so no length check can short-circuit. */
export const WRONG_TOKEN = 'wrong-token-0123456789abcdef';

export type JsonObject = { [key: string]: unknown };

/** One captured text frame (vectors/README.md "File format"). */
export interface FrameEntry {
  /** Position in the file's `frames` array (used in every message). */
  index: number;
  conn: string;
  dir: 'c2s' | 's2c';
  dtMs: number;
  bytes: number;
  frame: JsonObject;
}

/** One captured close frame; `by` is absent when the capture only saw the client side. */
export interface CloseEntry {
  index: number;
  conn: string;
  ws: 'close';
  by?: 'client' | 'server';
  code: number;
  reason: string;
}

export type VectorEntry = FrameEntry | CloseEntry;

/** `{"conn","clientSideSignedPayload"}`: the exact string a test client signed before its connect. */
export interface SignedPayloadEntry {
  index: number;
  conn: string;
  payload: string;
}

export interface VectorFile {
  vector: string;
  description: string;
  client: string;
  server: string;
  protocol: number;
  entries: VectorEntry[];
  /** Kept apart from `entries`: they are notes of the capturing client, not wire traffic. */
  signedPayloads: SignedPayloadEntry[];
}

export function isCloseEntry(entry: VectorEntry): entry is CloseEntry {
  return 'ws' in entry;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `vectors/<name>.json` and numbers its entries. */
export function loadVector(name: string): VectorFile {
  const raw = JSON.parse(readFileSync(join(VECTORS_DIR, `${name}.json`), 'utf8')) as unknown;
  if (!isObject(raw) || !Array.isArray(raw.frames)) throw new Error(`vector ${name}: no frames array`);
  const signedPayloads: SignedPayloadEntry[] = [];
  const entries = raw.frames.flatMap((item: unknown, index: number): VectorEntry[] => {
    if (!isObject(item) || typeof item.conn !== 'string') throw new Error(`vector ${name}: entry ${index} has no conn`);
    if (typeof item.clientSideSignedPayload === 'string') {
      signedPayloads.push({ index, conn: item.conn, payload: item.clientSideSignedPayload });
      return [];
    }
    if (item.ws === 'close') {
      const entry: CloseEntry = { index, conn: item.conn, ws: 'close', code: Number(item.code), reason: String(item.reason ?? '') };
      if (item.by === 'client' || item.by === 'server') entry.by = item.by;
      return [entry];
    }
    if ((item.dir !== 'c2s' && item.dir !== 's2c') || !isObject(item.frame)) {
      throw new Error(`vector ${name}: entry ${index} is neither a frame nor a close`);
    }
    return [{ index, conn: item.conn, dir: item.dir, dtMs: Number(item.dtMs), bytes: Number(item.bytes), frame: item.frame }];
  });
  return {
    vector: String(raw.vector),
    description: String(raw.description),
    client: String(raw.client),
    server: String(raw.server),
    protocol: Number(raw.protocol),
    entries,
    signedPayloads,
  };
}

/** The file's connections in order of first appearance, each with its entries in capture order. */
export function connections(file: VectorFile): Map<string, VectorEntry[]> {
  const byConn = new Map<string, VectorEntry[]>();
  for (const entry of file.entries) {
    const list = byConn.get(entry.conn) ?? [];
    list.push(entry);
    byConn.set(entry.conn, list);
  }
  return byConn;
}

/**
 * Why a client frame cannot be replayed as captured, or `undefined` when it can. A device proof
 * can be replayed only by re-signing it (`canResign`, see device-replay.ts).
 */
export function unreplayableReason(frame: JsonObject, canResign = false): string | undefined {
  const params = frame.params;
  if (!canResign && frame.method === 'connect' && isObject(params) && params.device !== undefined) {
    return 'connect carries a device proof signed over the captured nonce; it would need re-signing';
  }
  return undefined;
}

/**
 * The exact text to send for a captured client frame: placeholders replaced,
 * `{rawText}` sent as is, `{synthetic}` oversized frames rebuilt from their note.
 */
export function clientFrameText(entry: FrameEntry): string {
  const frame = entry.frame;
  if (typeof frame.rawText === 'string') return frame.rawText;
  if (frame.synthetic === true) return syntheticFrameText(String(frame.note ?? ''));
  return substitutePlaceholders(JSON.stringify(frame));
}

/** Replaces the token placeholders of vectors/README.md with the values the test gateway uses. */
export function substitutePlaceholders(text: string): string {
  return text.replaceAll('<SHARED_TOKEN>', TEST_TOKEN).replaceAll('<WRONG_SHARED_TOKEN>', WRONG_TOKEN);
}

/**
 * Rebuilds a frame described as
 * `text frame of N bytes; content was {…"pad":"xxx...x"…} padded with 'x' to that size`.
 */
export function syntheticFrameText(note: string): string {
  const match = /text frame of (\d+) bytes; content was (.*) padded with 'x' to that size/.exec(note);
  const size = Number(match?.[1]);
  const template = match?.[2];
  if (!template || !Number.isInteger(size) || !template.includes('xxx...x')) {
    throw new Error(`cannot rebuild synthetic frame from note: ${note}`);
  }
  const [head = '', tail = ''] = template.split('xxx...x');
  const padBytes = size - Buffer.byteLength(head) - Buffer.byteLength(tail);
  if (padBytes < 0) throw new Error(`synthetic frame template is longer than ${size} bytes`);
  const text = head + 'x'.repeat(padBytes) + tail;
  if (Buffer.byteLength(text) !== size) throw new Error(`synthetic frame is not ${size} bytes`);
  return text;
}
