import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { withDeviceProof, type TestDevice } from '../helpers/test-device.js';
import { frameKey, FRAME_TIMEOUT_MS } from './conn-replay.js';
import { isObject, type JsonObject } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';

/**
 * Preconditions of a vector that the capture took for granted (a device already paired), made
 * the way an operator would: the device asks, a device-less local CLI with `operator.admin`
 * approves, as the vectors' own admin connections do.
 */

/** Opens a socket, waits for the challenge and sends `connect`; resolves with the answer. */
async function connectOnce(url: string, params: (challenge: { nonce: string; ts: number }) => ConnectParams): Promise<{ rec: FrameRecorder; res: JsonObject }> {
  const rec = await FrameRecorder.open(url);
  const challengeFrame = await rec.until('connect.challenge', () => rec.frames.find((f) => frameKey(f.json) === 'event:connect.challenge'), FRAME_TIMEOUT_MS);
  const payload = (challengeFrame.json as { payload: { nonce: string; ts: number } }).payload;
  rec.sendText(JSON.stringify({ type: 'req', id: 'setup-connect', method: 'connect', params: params(payload) }));
  const res = await rec.until('connect answer', () => rec.frames.find((f) => frameKey(f.json) === 'res:setup-connect'), FRAME_TIMEOUT_MS);
  return { rec, res: res.json as JsonObject };
}

/** Calls one method as a device-less local admin (cli/cli + shared token). */
export async function callAsAdmin(url: string, method: string, params: unknown): Promise<JsonObject> {
  const { rec, res } = await connectOnce(url, () => ({
    minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'conformance', platform: 'linux', mode: 'cli' },
    role: 'operator', scopes: ['operator.admin', 'operator.pairing'], caps: [], auth: { token: TEST_TOKEN },
  }));
  try {
    if (res.ok !== true) throw new Error(`admin connect refused: ${JSON.stringify(res.error)}`);
    rec.sendText(JSON.stringify({ type: 'req', id: 'setup-call', method, params }));
    const answer = await rec.until(method, () => rec.frames.find((f) => frameKey(f.json) === 'res:setup-call'), FRAME_TIMEOUT_MS);
    return answer.json as JsonObject;
  } finally {
    rec.close(1000, 'setup done');
  }
}

/**
 * Pairs `device` for one role (and operator scopes) on a gateway that does not auto-approve:
 * the device's connect is refused with a pending request, which the admin then approves.
 */
export async function pairDevice(url: string, device: TestDevice, base: ConnectParams): Promise<void> {
  const { rec, res } = await connectOnce(url, (challenge) => withDeviceProof(device, base, challenge));
  rec.terminate();
  const error = isObject(res.error) ? res.error : undefined;
  const requestId = isObject(error?.details) ? error.details.requestId : undefined;
  if (typeof requestId !== 'string') throw new Error(`expected a pending pairing request, got ${JSON.stringify(res)}`);
  const approved = await callAsAdmin(url, 'device.pair.approve', { requestId });
  if (approved.ok !== true) throw new Error(`approval failed: ${JSON.stringify(approved.error)}`);
}

/** Connect params of a node host (as in vector node-pairing) with the shared token. */
export const NODE_HOST_CONNECT: ConnectParams = {
  minProtocol: 4, maxProtocol: 4,
  client: { id: 'node-host', displayName: 'test-node', version: '2026.9.6', platform: 'linux', deviceFamily: 'Linux', mode: 'node' },
  caps: [], commands: [], role: 'node', scopes: [], auth: { token: TEST_TOKEN },
};

/** Connect params of the raw operator client of vectors device-pairing-operator and device-auth-errors. */
export const RAW_OPERATOR_CONNECT: ConnectParams = {
  minProtocol: 4, maxProtocol: 4,
  client: { id: 'cli', version: '0.0.1', platform: 'Linux', mode: 'cli', deviceFamily: 'Linux', displayName: 'raw-op' },
  role: 'operator', scopes: ['operator.read', 'operator.write'], caps: [], auth: { token: TEST_TOKEN },
};
