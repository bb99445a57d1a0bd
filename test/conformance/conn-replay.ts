import { FrameRecorder, type ObservedClose, type ReceivedFrame } from './ws-recorder.js';
import { compareServerFrame, emptyFindings, summarizeFrame, type Findings } from './shape-compare.js';
import type { ChallengePair, ReplaySession } from './device-replay.js';
import { OPTIONAL_UI_EVENTS, PROGRESS_EVENTS, UNSOLICITED_EVENTS } from './shape-rules.js';
import {
  clientFrameText,
  isCloseEntry,
  isObject,
  unreplayableReason,
  type FrameEntry,
  type SignedPayloadEntry,
  type VectorEntry,
} from './vector-file.js';

/** Per awaited frame; ≥ 10 s because a wrong token may be answered after a deliberate delay. */
export const FRAME_TIMEOUT_MS = 15_000;
/** Once one frame failed to arrive, the rest of that connection only gets this long each. */
const GRACE_AFTER_MISS_MS = 1_000;

/** A captured server frame this replay expects, matched by response id or event name. */
export interface Expectation {
  entry: FrameEntry;
  /** `res:<id>` or `event:<name>`. */
  key: string;
  /** 0-based: this is the n-th expectation with the same key on the connection. */
  occurrence: number;
  /** Unsolicited events (health/presence/tick) may or may not show up. */
  optional: boolean;
}

export interface ReplayResult extends Findings {
  /** Client frames not sent, each with the reason. */
  skipped: string[];
  received: ReceivedFrame[];
  close: ObservedClose | undefined;
}

/** Matching key of a server frame: responses by id, events by name. */
export function frameKey(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  if (json.type === 'res') return `res:${String(json.id)}`;
  if (json.type === 'event') return `event:${String(json.event)}`;
  return undefined;
}

/** Human label of a captured frame: its index in the vector file plus what it is. */
export function frameLabel(entry: FrameEntry, method?: string): string {
  const f = entry.frame;
  if (f.type === 'res') return `frame #${entry.index} (res ${String(f.id)}${method ? ` ${method}` : ''})`;
  if (f.type === 'event') return `frame #${entry.index} (event ${String(f.event)})`;
  return `frame #${entry.index}`;
}

/** Builds the expectations of one connection, numbering repeated keys (e.g. two `id:"invalid"`). */
export function expectationsOf(entries: VectorEntry[], requireUnsolicited: boolean): Expectation[] {
  const seen = new Map<string, number>();
  const out: Expectation[] = [];
  for (const entry of entries) {
    if (isCloseEntry(entry) || entry.dir !== 's2c') continue;
    const key = frameKey(entry.frame);
    if (key === undefined) continue;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const event = entry.frame.type === 'event' ? String(entry.frame.event) : undefined;
    const optional = event !== undefined && ((!requireUnsolicited && UNSOLICITED_EVENTS.has(event)) || (PROGRESS_EVENTS.has(event) && occurrence > 0)
      || OPTIONAL_UI_EVENTS.has(event));
    out.push({ entry, key, occurrence, optional });
  }
  return out;
}

/** Request id → method, from the connection's client frames. */
function methodsById(entries: VectorEntry[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    if (isCloseEntry(entry) || entry.dir !== 'c2s') continue;
    const { id, method } = entry.frame;
    if (typeof id === 'string' && typeof method === 'string' && !map.has(id)) map.set(id, method);
  }
  return map;
}

/**
 * How the connection ends. `by:"client"` closes are ours to send (1005 = no status).
 * An unattributed close 1000 after a successful handshake is the raw test client's own
 * `close(1000, reason)`, echoed by the server; any other unattributed close is the server's.
 * Identical consecutive unattributed closes (events.json) are one close seen twice.
 */
interface ClosePoint {
  code: number;
  reason: string;
  index: number;
}

interface ClosePlan {
  clientClose?: ClosePoint;
  observed?: ClosePoint;
}

function closePlanOf(entries: VectorEntry[]): ClosePlan {
  const closes = entries.filter(isCloseEntry);
  const handshakeOk = entries.some((e) => !isCloseEntry(e) && e.dir === 's2c' && e.frame.type === 'res' && e.frame.ok === true);
  const plan: ClosePlan = {};
  for (const c of closes) {
    if (c.by === 'client') plan.clientClose = { code: c.code, reason: c.reason, index: c.index };
    else if (c.by === 'server') plan.observed = { code: c.code, reason: c.reason, index: c.index };
    else if (plan.observed && plan.observed.code === c.code && plan.observed.reason === c.reason) continue;
    else {
      plan.observed = { code: c.code, reason: c.reason, index: c.index };
      if (handshakeOk && c.code === 1000) plan.clientClose = { code: c.code, reason: c.reason, index: c.index };
    }
  }
  return plan;
}

export interface ReplayOptions {
  url: string;
  entries: VectorEntry[];
  /** Treat health/presence/tick events as required (events.json). */
  requireUnsolicited?: boolean;
  frameTimeoutMs?: number;
  /** Re-signs device proofs and carries learned per-run values across a file's connections. */
  session?: ReplaySession;
  /** The capture's `clientSideSignedPayload` notes of this connection. */
  signedPayloads?: SignedPayloadEntry[];
  /** Events we may send beyond the capture on this connection, with why (a note, not a mismatch). */
  extraEvents?: ExtraEvents;
}

/** Event names a connection may get beyond the capture, and the reason printed for each. */
export interface ExtraEvents {
  names: ReadonlySet<string>;
  why: string;
}

/** The challenge captured on this connection and the one our gateway sent. */
function challengeOf(entries: VectorEntry[], rec: FrameRecorder): ChallengePair | undefined {
  const payloadOf = (json: unknown): { nonce: string; ts: number } | undefined => {
    if (!isObject(json) || json.type !== 'event' || json.event !== 'connect.challenge' || !isObject(json.payload)) return undefined;
    const { nonce, ts } = json.payload;
    return typeof nonce === 'string' && typeof ts === 'number' ? { nonce, ts } : undefined;
  };
  const received = rec.frames.map((f) => payloadOf(f.json)).find((p) => p !== undefined);
  if (!received) return undefined;
  const captured = entries.map((e) => (isCloseEntry(e) ? undefined : payloadOf(e.frame))).find((p) => p !== undefined);
  return { captured, received };
}

/** Whether the capture answered this client request with `DEVICE_AUTH_SIGNATURE_INVALID`. */
function expectsBadSignature(entries: VectorEntry[], id: unknown): boolean {
  return entries.some((e) => !isCloseEntry(e) && e.dir === 's2c' && e.frame.type === 'res' && e.frame.id === id
    && isObject(e.frame.error) && isObject(e.frame.error.details) && e.frame.error.details.code === 'DEVICE_AUTH_SIGNATURE_INVALID');
}

/** The text to send for a captured client frame, re-signed and substituted when a session is given. */
function textToSend(opts: ReplayOptions, entry: FrameEntry, rec: FrameRecorder): string {
  const text = clientFrameText(entry);
  const { session } = opts;
  if (!session || typeof entry.frame.rawText === 'string' || entry.frame.synthetic === true) return text;
  const signed = (opts.signedPayloads ?? []).filter((p) => p.index < entry.index).at(-1)?.payload;
  return session.clientText(entry, text, challengeOf(opts.entries, rec), signed, expectsBadSignature(opts.entries, entry.frame.id));
}

/** Replays the client side of one captured connection and compares everything the server sent. */
export async function replayConnection(opts: ReplayOptions): Promise<ReplayResult> {
  const { entries } = opts;
  const out = emptyFindings();
  const skipped: string[] = [];
  const expectations = expectationsOf(entries, opts.requireUnsolicited ?? false);
  const methods = methodsById(entries);
  const plan = closePlanOf(entries);
  const rec = await FrameRecorder.open(opts.url);
  const timedOut = new Set<Expectation>();
  const confirmed = new Set<Expectation>();
  let timeoutMs = opts.frameTimeoutMs ?? FRAME_TIMEOUT_MS;

  const countOf = (key: string): number => rec.frames.filter((f) => frameKey(f.json) === key).length;
  const awaitRequired = async (beforeIndex: number): Promise<void> => {
    for (const exp of expectations) {
      if (exp.optional || confirmed.has(exp) || exp.entry.index >= beforeIndex) continue;
      confirmed.add(exp);
      try {
        await rec.until(frameLabel(exp.entry), () => {
          if (countOf(exp.key) > exp.occurrence) return true;
          if (rec.closed) throw new Error(`socket closed first (${rec.closed.code} ${JSON.stringify(rec.closed.reason)})`);
          return false;
        }, timeoutMs);
      } catch {
        timedOut.add(exp);
        timeoutMs = GRACE_AFTER_MISS_MS;
      }
    }
  };

  try {
    for (const entry of entries) {
      if (isCloseEntry(entry) || entry.dir !== 'c2s') continue;
      const why = unreplayableReason(entry.frame, opts.session !== undefined);
      if (why) {
        skipped.push(`frame #${entry.index} (c2s ${String(entry.frame.method ?? entry.frame.type)}): ${why}`);
        continue;
      }
      await awaitRequired(entry.index);
      // A request may quote what an earlier answer handed out (a delta cursor, a new session key).
      if (opts.session) learnFrom(opts.session, rec.frames, expectations.filter((e) => e.entry.index < entry.index));
      rec.sendText(textToSend(opts, entry, rec));
    }
    // Clients close only after every response they wait for (gateway-probe.json logs
    // the CLI's close before three pipelined responses; the frames still had to arrive).
    await awaitRequired(Number.POSITIVE_INFINITY);
    if (plan.clientClose) {
      rec.close(plan.clientClose.code === 1005 ? undefined : plan.clientClose.code, plan.clientClose.reason);
    } else if (!plan.observed) {
      rec.close(1000, 'conformance replay done');
    }
    try {
      await rec.waitForClose(FRAME_TIMEOUT_MS);
    } catch {
      out.mismatches.push(`close: socket still open ${FRAME_TIMEOUT_MS} ms after the last expected frame`);
    }
  } finally {
    if (!rec.closed) rec.terminate();
  }

  matchFrames(rec.frames, expectations, methods, timedOut, out, opts.extraEvents);
  if (opts.session) learnFrom(opts.session, rec.frames, expectations);
  if (plan.observed && rec.closed) {
    const expected = opts.session ? { ...plan.observed, reason: opts.session.substituteCloseReason(plan.observed.reason) } : plan.observed;
    compareClose(expected, rec.closed, plan.clientClose?.code === 1005, out);
  }
  return { ...out, skipped, received: rec.frames, close: rec.closed };
}

/**
 * The captures show a server close 1000 answering the CLI's status-less close (1005).
 * An endpoint echoing an empty close frame is what RFC 6455 5.5.1 describes and what
 * `ws` does by itself, so the client then observes 1005; the 1000 in the capture most
 * likely comes from the frame logger (a status-less close cannot be forwarded as is).
 * Both are accepted for that echo, and a 1005 is reported as a note.
 */
function compareClose(expected: ClosePoint, got: ObservedClose, echoOfStatusless: boolean, out: Findings): void {
  if (expected.code === got.code && expected.reason === got.reason) return;
  if (echoOfStatusless && expected.code === 1000 && got.code === 1005 && expected.reason === '' && got.reason === '') {
    out.notes.push(`close (#${expected.index}): server echoed the status-less client close without a code (observed 1005; capture shows 1000)`);
    return;
  }
  out.mismatches.push(
    `close (#${expected.index}): expected ${expected.code} ${JSON.stringify(expected.reason)}, ` +
      `got ${got.code} ${JSON.stringify(got.reason)}`,
  );
}

/** Lets the session learn per-run values (device tokens, request ids) from matched frames. */
function learnFrom(session: ReplaySession, received: ReceivedFrame[], expectations: Expectation[]): void {
  for (const exp of expectations) {
    const actual = received.filter((f) => frameKey(f.json) === exp.key)[exp.occurrence];
    if (actual) session.learn(exp.entry.frame, actual.json);
  }
}

/** Pairs received frames with expectations and compares each pair; reports leftovers. */
export function matchFrames(
  received: ReceivedFrame[],
  expectations: Expectation[],
  methods: Map<string, string>,
  timedOut: Set<Expectation>,
  out: Findings,
  extraEvents?: ExtraEvents,
): void {
  const used = new Set<ReceivedFrame>();
  const first = expectations[0];
  if (first?.key === 'event:connect.challenge' && frameKey(received[0]?.json) !== 'event:connect.challenge') {
    out.mismatches.push(`${frameLabel(first.entry)}: connect.challenge must be the first server frame, got ${
      received[0] ? summarizeFrame(received[0].json, received[0].text) : 'nothing'}`);
  }
  for (const exp of expectations) {
    const actual = received.filter((f) => frameKey(f.json) === exp.key)[exp.occurrence];
    const method = exp.entry.frame.type === 'res' ? methods.get(String(exp.entry.frame.id)) : undefined;
    const label = frameLabel(exp.entry, method);
    if (!actual) {
      if (exp.optional) out.notes.push(`${label}: not observed (unsolicited event, optional)`);
      else out.mismatches.push(`${label}: never arrived`);
      continue;
    }
    used.add(actual);
    if (timedOut.has(exp)) out.mismatches.push(`${label}: arrived only after its deadline`);
    if (isObject(actual.json)) compareServerFrame(exp.entry.frame, actual.json, { label, method }, out);
  }
  for (const frame of received) {
    if (frame.isBinary) out.mismatches.push(`received frame ${frame.seqNo} is binary (the protocol uses text frames only)`);
    if (used.has(frame)) continue;
    const json = frame.json;
    if (isObject(json) && json.type === 'event' && (UNSOLICITED_EVENTS.has(String(json.event)) || PROGRESS_EVENTS.has(String(json.event)))) {
      const template = expectations.find((e) => e.key === frameKey(json));
      if (template) {
        compareServerFrame(template.entry.frame, json, { label: `extra ${String(json.event)} event (received #${frame.seqNo})` }, out);
      }
      continue;
    }
    if (isObject(json) && json.type === 'event' && extraEvents?.names.has(String(json.event))) {
      out.notes.push(`extra ${String(json.event)} event (received #${frame.seqNo}): ${extraEvents.why}`);
      continue;
    }
    out.mismatches.push(`unexpected frame (received #${frame.seqNo}): ${summarizeFrame(json, frame.text)}`);
  }
}

/** Formats mismatches for an assertion message. */
export function formatMismatches(title: string, mismatches: string[]): string {
  return `${title}: ${mismatches.length} mismatch(es)\n${mismatches.map((m) => `  - ${m}`).join('\n')}`;
}
