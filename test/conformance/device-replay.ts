import { createHash } from 'node:crypto';
import { buildSignedPayload, payloadFieldsOf } from '../../src/protocol/device-auth.js';
import type { ConnectParams, DeviceProof } from '../../src/protocol/schema/connect.js';
import { newTestDevice, signWith, type TestDevice } from '../helpers/test-device.js';
import { isCloseEntry, isObject, substitutePlaceholders, type FrameEntry, type JsonObject, type VectorFile } from './vector-file.js';

/** The challenge a connect answers: captured (for offsets) and received (to sign). */
export interface ChallengePair {
  captured: { nonce: string; ts: number } | undefined;
  received: { nonce: string; ts: number };
}

const PLACEHOLDER = /^<[A-Z][A-Z0-9_]*>$/;
/**
 * Keys whose captured value is per-run and must be learned from our gateway's answer: pairing
 * request ids, and the chat captures' history cursors and created session keys (assistant.md 5.2, 6.3).
 */
const LEARNED_KEYS = new Set(['requestId', 'deltaCursor', 'key', 'messageId']);

function capturedIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex');
}

/**
 * Replay state shared by the connections of one vector file (vectors/README.md "fresh nonce:
 * re-sign device proofs"). Each captured device key is replaced by a test key (its captured id
 * by the test id, wherever it appears); per-run values the server hands out (device tokens,
 * pairing request ids) are learned from our answers and substituted into later client frames.
 */
export class ReplaySession {
  private readonly devices = new Map<string, TestDevice>();
  private readonly learned = new Map<string, string>();
  private readonly learnedKeys: ReadonlySet<string>;

  /** `learnedKeys`: more keys whose values are per run in this file (e.g. an approval `id`). */
  constructor(file: VectorFile, opts: { learnedKeys?: readonly string[] } = {}) {
    this.learnedKeys = new Set([...LEARNED_KEYS, ...(opts.learnedKeys ?? [])]);
    for (const entry of file.entries) {
      if (isCloseEntry(entry) || entry.dir !== 'c2s' || entry.frame.method !== 'connect') continue;
      const device = isObject(entry.frame.params) ? entry.frame.params.device : undefined;
      if (isObject(device) && typeof device.publicKey === 'string') this.deviceFor(device.publicKey);
    }
  }

  /** The test device standing in for a captured public key. */
  deviceFor(capturedPublicKey: string): TestDevice {
    let device = this.devices.get(capturedPublicKey);
    if (!device) {
      device = newTestDevice();
      this.devices.set(capturedPublicKey, device);
    }
    return device;
  }

  /** Replaces placeholders, captured device ids and learned values in any captured text. */
  substitute(text: string): string {
    let out = substitutePlaceholders(text);
    for (const [captured, actual] of this.learned) out = out.replaceAll(captured, actual);
    for (const [capturedKey, device] of this.devices) out = out.replaceAll(capturedIdOf(capturedKey), device.id);
    return out;
  }

  /**
   * A captured close reason with learned values substituted, also when the capture cut a value
   * off at the 123-byte limit (`… (requestId: 36070eb7-…-9579143`): the result is cut the same way.
   */
  substituteCloseReason(reason: string): string {
    let out = this.substitute(reason);
    for (const [captured, actual] of this.learned) {
      for (let n = captured.length - 1; n >= 8; n--) {
        if (out.endsWith(captured.slice(0, n))) {
          out = out.slice(0, out.length - n) + actual;
          break;
        }
      }
    }
    while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
    return out;
  }

  /** Records per-run values: placeholders and request ids at the same JSON path. */
  learn(expected: unknown, actual: unknown): void {
    if (Array.isArray(expected) && Array.isArray(actual)) {
      expected.forEach((e, i) => this.learn(e, actual[i]));
      return;
    }
    if (!isObject(expected) || !isObject(actual)) return;
    for (const [key, value] of Object.entries(expected)) {
      const got = actual[key];
      if (typeof value === 'string' && typeof got === 'string' && value !== got && (PLACEHOLDER.test(value) || this.learnedKeys.has(key))) {
        if (!this.learned.has(value)) this.learned.set(value, got);
      } else {
        this.learn(value, got);
      }
    }
  }

  /**
   * The text to send for a captured client frame. A connect with a device proof is re-signed
   * with the test key over the received challenge, keeping the capture's deliberate faults: an
   * id that is not the key's, a nonce that is not the challenge's, a `signedAt` offset from the
   * challenge `ts`, a v2 payload, or (when the capture's answer is `DEVICE_AUTH_SIGNATURE_INVALID`)
   * a corrupted signature. `signedPayload` is the capture's `clientSideSignedPayload`, if any.
   */
  clientText(entry: FrameEntry, text: string, challenge: ChallengePair | undefined, signedPayload: string | undefined, expectBadSignature: boolean): string {
    const substituted = this.substitute(text);
    const frame = JSON.parse(substituted) as JsonObject;
    if (frame.method !== 'connect' || !isObject(frame.params) || !isObject(frame.params.device)) return substituted;
    if (!challenge) throw new Error(`frame #${entry.index}: a device connect needs the challenge first`);
    const params = frame.params as unknown as ConnectParams;
    const proof = frame.params.device as unknown as DeviceProof;
    const device = this.deviceFor(proof.publicKey);
    const { captured, received } = challenge;
    const signedAt = received.ts + (captured ? proof.signedAt - captured.ts : 0);
    const nonce = captured === undefined || proof.nonce === captured.nonce ? received.nonce : proof.nonce;
    const resigned: DeviceProof = { ...proof, publicKey: device.publicKey, signedAt, nonce, signature: '' };
    let payload: string;
    if (signedPayload !== undefined) {
      const parts = this.substitute(signedPayload).split('|');
      parts[6] = String(signedAt);
      parts[8] = nonce;
      payload = parts.join('|');
    } else {
      payload = buildSignedPayload('v3', payloadFieldsOf(params, resigned, nonce));
    }
    const signature = signWith(device, payload);
    resigned.signature = expectBadSignature ? corrupt(signature) : signature;
    return JSON.stringify({ ...frame, params: { ...frame.params, device: resigned } });
  }
}

/** Flips bits of the first signature byte: still well-formed, never valid. */
function corrupt(signature: string): string {
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return bytes.toString('base64url');
}
