import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { withDeviceProof, type TestDevice } from '../helpers/test-device.js';
import { formatMismatches, frameKey, FRAME_TIMEOUT_MS, replayConnection, type ReplayResult } from './conn-replay.js';
import type { ReplaySession } from './device-replay.js';
import { callAsAdmin, pairDevice } from './device-setup.js';
import { compareServerFrame, emptyFindings, type Findings } from './shape-compare.js';
import { connections, isCloseEntry, isObject, loadVector, type FrameEntry, type JsonObject, type VectorFile } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';

/**
 * Helpers for the node vectors, whose connections overlap in time: a node stays connected while
 * operators approve it or invoke it, and the "node" of node-invoke and the "operator-watcher" of
 * node-pairing were captured without their connect. Those are played by a FrameRecorder here.
 */

/** Replays one captured connection and fails the test on any mismatch. */
export async function replayConn(t: TestContext, file: VectorFile, conn: string, url: string, session: ReplaySession): Promise<ReplayResult> {
  const entries = connections(file).get(conn);
  assert.ok(entries, `no connection ${conn} in ${file.vector}`);
  const signedPayloads = file.signedPayloads.filter((p) => p.conn === conn);
  const result = await replayConnection({ url, entries, session, signedPayloads });
  for (const note of result.notes) t.diagnostic(`${conn}: ${note}`);
  assert.deepEqual(result.skipped, [], `${conn}: client frames skipped`);
  if (result.mismatches.length > 0) assert.fail(formatMismatches(`${file.vector} / ${conn}`, result.mismatches));
  return result;
}

/** The captured server frames of a connection (no closes). */
export function serverFrames(file: VectorFile, conn: string): FrameEntry[] {
  return (connections(file).get(conn) ?? []).filter((e): e is FrameEntry => !isCloseEntry(e) && e.dir === 's2c');
}

/** The captured client frames of a connection. */
export function clientFrames(file: VectorFile, conn: string): FrameEntry[] {
  return (connections(file).get(conn) ?? []).filter((e): e is FrameEntry => !isCloseEntry(e) && e.dir === 'c2s');
}

/** Waits for the n-th frame with this key (`event:<name>` / `res:<id>`) on a recorder. */
export async function nth(rec: FrameRecorder, key: string, n = 0): Promise<JsonObject> {
  const frame = await rec.until(key, () => rec.frames.filter((f) => frameKey(f.json) === key)[n], FRAME_TIMEOUT_MS);
  return frame.json as JsonObject;
}

/** Compares a received frame with its captured counterpart; collects findings. */
export function compareTo(expected: FrameEntry, actual: JsonObject, method: string | undefined, out: Findings): void {
  compareServerFrame(expected.frame, actual, { label: `frame #${expected.index} (${frameKey(expected.frame) ?? '?'})`, method }, out);
}

export function assertNoMismatch(title: string, out: Findings): void {
  if (out.mismatches.length > 0) assert.fail(formatMismatches(title, out.mismatches));
}

export { emptyFindings };

/** Opens a device-less local operator (cli/cli with the shared token keeps its scopes, protocol.md 4.3). */
export async function operatorRecorder(url: string, scopes: string[]): Promise<FrameRecorder> {
  const rec = await FrameRecorder.open(url);
  await nth(rec, 'event:connect.challenge');
  rec.sendText(JSON.stringify({
    type: 'req', id: 'op-connect', method: 'connect',
    params: {
      minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'conformance', platform: 'linux', mode: 'cli' },
      role: 'operator', scopes, caps: [], auth: { token: TEST_TOKEN },
    },
  }));
  const res = await nth(rec, 'res:op-connect');
  assert.equal(res.ok, true, `operator connect refused: ${JSON.stringify(res.error)}`);
  return rec;
}

/** The captured connect params of the real node host (vector node-pairing, first connect). */
export function capturedNodeConnect(file: VectorFile, conn: string): JsonObject {
  const connect = clientFrames(file, conn).find((e) => e.frame.method === 'connect');
  assert.ok(connect && isObject(connect.frame.params), `${conn} has no connect`);
  return connect.frame.params;
}

/**
 * Connects the real node host (its captured connect from vector node-pairing, shared token,
 * `device` as its key), with its device paired and the node approved as an operator would:
 * what a vector that starts mid-session with a working node needs first.
 */
export async function connectApprovedNode(url: string, device: TestDevice): Promise<FrameRecorder> {
  const captured = capturedNodeConnect(loadVector('node-pairing'), 'node-attempt-1');
  const params = { ...captured, auth: { token: TEST_TOKEN }, pathEnv: '/usr/bin:/bin' } as unknown as ConnectParams;
  delete (params as { device?: unknown }).device;
  await pairDevice(url, device, params);
  const node = await FrameRecorder.open(url);
  const challenge = (await nth(node, 'event:connect.challenge')).payload as { nonce: string; ts: number };
  node.sendText(JSON.stringify({ type: 'req', id: 'node-connect', method: 'connect', params: withDeviceProof(device, params, challenge) }));
  const connected = await nth(node, 'res:node-connect');
  assert.equal(connected.ok, true, `node connect refused: ${JSON.stringify(connected.error)}`);
  const list = await callAsAdmin(url, 'node.pair.list', {});
  const pending = (list.payload as { pending: { requestId: string }[] }).pending;
  assert.equal(pending.length, 1);
  const approved = await callAsAdmin(url, 'node.pair.approve', { requestId: pending[0]?.requestId });
  assert.equal(approved.ok, true, JSON.stringify(approved.error));
  return node;
}
