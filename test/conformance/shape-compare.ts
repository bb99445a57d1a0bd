import { isDeepStrictEqual } from 'node:util';
import { isObject, type JsonObject } from './vector-file.js';
import {
  ASSISTANT_EVENT_RULES,
  ASSISTANT_RESULT_RULES,
  CLOSED_RULE,
  ERROR_RULE,
  EVENT_FRAME_EXTRA,
  EVENT_RULES,
  MESSAGE_MATCHERS,
  PRESENCE_ENTRY_RULE,
  NO_EXTRA,
  OPTIONAL_UI_METHODS,
  RES_FAILURE_EXTRA,
  RESULT_RULES,
  type ShapeRule,
} from './shape-rules.js';

/** What a comparison found: `mismatches` fail the test, `notes` are printed as diagnostics. */
export interface Findings {
  mismatches: string[];
  notes: string[];
}

export function emptyFindings(): Findings {
  return { mismatches: [], notes: [] };
}

type JsonKind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'undefined';

export function jsonKind(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = typeof value;
  if (kind === 'object' || kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'undefined') return kind;
  return 'object';
}

const show = (items: Iterable<string>): string => `[${[...items].join(', ')}]`;

/** Compares `actual` to the captured `expected` under `rule`; appends to `out`. */
export function compareShape(path: string, expected: unknown, actual: unknown, rule: ShapeRule, out: Findings): void {
  const expectedKind = jsonKind(expected);
  const actualKind = jsonKind(actual);
  if (expectedKind !== actualKind) {
    out.mismatches.push(`${path}: expected ${expectedKind}, got ${actualKind}`);
    return;
  }
  if (rule.kind === 'presence-list') {
    comparePresenceList(path, expected as unknown[], actual as unknown[], out);
    return;
  }
  if (rule.kind === 'kind-only' || !isObject(expected) || !isObject(actual)) return;
  const missing = Object.keys(expected).filter((k) => !(k in actual) && !rule.mayOmit?.has(k) && (rule.requiredOnly?.has(k) ?? true));
  const allowed = rule.allowedExtra;
  const extra = Object.keys(actual).filter((k) => !(k in expected) && allowed !== 'any' && !allowed.has(k));
  if (missing.length > 0) out.mismatches.push(`${path}: missing keys ${show(missing)}`);
  if (extra.length > 0) out.mismatches.push(`${path}: unexpected keys ${show(extra)} (not in the capture, not listed by the spec)`);
  for (const key of Object.keys(expected)) {
    if (!(key in actual)) continue;
    const childRule = rule.children?.[key];
    const exp = expected[key];
    const act = actual[key];
    if (childRule) compareShape(`${path}.${key}`, exp, act, childRule, out);
    else if (exp !== null && act !== null && jsonKind(exp) !== jsonKind(act)) {
      out.mismatches.push(`${path}.${key}: expected ${jsonKind(exp)}, got ${jsonKind(act)}`);
    }
  }
}

/** Entries are matched on `mode`; the gateway's own entry must exist, others may be unreproducible. */
function comparePresenceList(path: string, expected: unknown[], actual: unknown[], out: Findings): void {
  if (expected.length === 0) {
    if (actual.length > 0) out.mismatches.push(`${path}: expected an empty list (as captured), got ${actual.length} entries`);
    return;
  }
  const modes = [...new Set(expected.map((e) => (isObject(e) ? String(e.mode) : '?')))];
  for (const mode of modes) {
    const exp = expected.find((e) => isObject(e) && String(e.mode) === mode);
    const act = actual.find((e) => isObject(e) && String(e.mode) === mode);
    if (act !== undefined) compareShape(`${path}[mode=${mode}]`, exp, act, PRESENCE_ENTRY_RULE, out);
    else if (mode === 'gateway') out.mismatches.push(`${path}: no entry with mode "gateway" (the gateway's own entry, protocol.md 8)`);
    else out.notes.push(`${path}: captured entry mode "${mode}" not compared (no such client is connected in this replay)`);
  }
  for (const act of actual) {
    if (!isObject(act) || modes.includes(String(act.mode))) continue;
    const allowed = PRESENCE_ENTRY_RULE.kind === 'object' ? PRESENCE_ENTRY_RULE.allowedExtra : 'any';
    const extra = Object.keys(act).filter((k) => allowed !== 'any' && !allowed.has(k));
    if (extra.length > 0) out.mismatches.push(`${path}[mode=${String(act.mode)}]: unexpected keys ${show(extra)}`);
  }
}

/** Context of one server frame comparison. */
export interface FrameContext {
  /** e.g. `frame #12 (res r3)`. */
  label: string;
  /** Method of the request this response answers, when known. */
  method?: string | undefined;
}

/** A boot request of the Control UI for a feature we lack, answered "unknown method" or METHOD_NOT_IMPLEMENTED. */
function isUnservedOptionalMethod(expected: JsonObject, actual: JsonObject, method: string | undefined): boolean {
  if (method === undefined || !OPTIONAL_UI_METHODS.has(method) || expected.ok !== true || actual.ok !== false) return false;
  const error = actual.error;
  if (!isObject(error)) return false;
  if (error.code === 'INVALID_REQUEST' && error.message === `unknown method: ${method}`) return true;
  return error.code === 'UNAVAILABLE' && isObject(error.details) && error.details.code === 'METHOD_NOT_IMPLEMENTED' && error.details.method === method;
}

/** Compares one server frame with its captured counterpart (already matched by id or event name). */
export function compareServerFrame(expected: JsonObject, actual: JsonObject, ctx: FrameContext, out: Findings): void {
  const at = ctx.label;
  if (expected.type === 'res') {
    if (isUnservedOptionalMethod(expected, actual, ctx.method)) {
      out.notes.push(`${at}: optional Control UI method not served by farclaw (assistant.md 11.8), answered unknown / not implemented`);
      return;
    }
    // A failed response may still carry a payload (protocol.md 2.2).
    compareEnvelope(at, expected, actual, actual.ok === false ? RES_FAILURE_EXTRA : NO_EXTRA, out);
    if (actual.ok !== expected.ok) out.mismatches.push(`${at}: ok expected ${String(expected.ok)}, got ${String(actual.ok)}`);
    if (expected.ok === false) compareError(at, expected.error, actual.error, ctx.method, out);
    else if ('payload' in expected && actual.ok === true) {
      const rule = (ctx.method !== undefined ? RESULT_RULES[ctx.method] ?? ASSISTANT_RESULT_RULES[ctx.method] : undefined) ?? CLOSED_RULE;
      compareShape(`${at} payload`, expected.payload, actual.payload, rule, out);
      if (ctx.method === 'connect') compareHelloOkValues(at, expected.payload, actual.payload, out);
    }
    return;
  }
  compareEnvelope(at, expected, actual, EVENT_FRAME_EXTRA, out);
  if ('payload' in expected) {
    const rule = EVENT_RULES[String(expected.event)] ?? ASSISTANT_EVENT_RULES[String(expected.event)] ?? CLOSED_RULE;
    compareShape(`${at} payload`, expected.payload, actual.payload, rule, out);
  }
}

/** Frame keys: every captured key must be there; extras only where the spec allows them. */
function compareEnvelope(at: string, expected: JsonObject, actual: JsonObject, allowedExtra: ReadonlySet<string>, out: Findings): void {
  const missing = Object.keys(expected).filter((k) => !(k in actual));
  const extra = Object.keys(actual).filter((k) => !(k in expected) && !allowedExtra.has(k));
  if (missing.length > 0) out.mismatches.push(`${at}: frame is missing keys ${show(missing)}`);
  if (extra.length > 0) out.mismatches.push(`${at}: frame has unexpected keys ${show(extra)}`);
}

function compareError(at: string, expected: unknown, actual: unknown, method: string | undefined, out: Findings): void {
  if (!isObject(expected)) return;
  if (!isObject(actual)) {
    out.mismatches.push(`${at}: expected an error object, got ${jsonKind(actual)}`);
    return;
  }
  compareShape(`${at} error`, expected, actual, ERROR_RULE, out);
  if (actual.code !== expected.code) {
    out.mismatches.push(`${at}: error.code expected ${String(expected.code)}, got ${String(actual.code)}`);
  }
  const expectedDetailsCode = isObject(expected.details) ? expected.details.code : undefined;
  const actualDetailsCode = isObject(actual.details) ? actual.details.code : undefined;
  if (expectedDetailsCode !== undefined && expectedDetailsCode !== actualDetailsCode) {
    out.mismatches.push(`${at}: error.details.code expected ${String(expectedDetailsCode)}, got ${String(actualDetailsCode)}`);
  }
  const expectedMessage = String(expected.message);
  const actualMessage = String(actual.message);
  const matcher = method !== undefined ? MESSAGE_MATCHERS[method] : undefined;
  if (matcher) {
    if (!matcher.matches(expectedMessage, actualMessage)) {
      out.mismatches.push(`${at}: error.message expected ${JSON.stringify(expectedMessage)}, got ${JSON.stringify(actualMessage)}`);
    } else if (expectedMessage !== actualMessage) {
      out.notes.push(`${at}: error.message compared loosely (${matcher.why})`);
    }
  } else if (expectedMessage !== actualMessage) {
    out.mismatches.push(`${at}: error.message expected ${JSON.stringify(expectedMessage)}, got ${JSON.stringify(actualMessage)}`);
  }
}

/** The deterministic hello-ok values: type, protocol, auth.role and the effective auth.scopes (4.3). */
function compareHelloOkValues(at: string, expected: unknown, actual: unknown, out: Findings): void {
  if (!isObject(expected) || !isObject(actual)) return;
  for (const key of ['type', 'protocol'] as const) {
    if (actual[key] !== expected[key]) {
      out.mismatches.push(`${at}: payload.${key} expected ${JSON.stringify(expected[key])}, got ${JSON.stringify(actual[key])}`);
    }
  }
  const expAuth = isObject(expected.auth) ? expected.auth : {};
  const actAuth = isObject(actual.auth) ? actual.auth : {};
  if (actAuth.role !== expAuth.role) {
    out.mismatches.push(`${at}: payload.auth.role expected ${JSON.stringify(expAuth.role)}, got ${JSON.stringify(actAuth.role)}`);
  }
  const sorted = (v: unknown): unknown => (Array.isArray(v) ? [...(v as unknown[])].map(String).sort() : v);
  if (!isDeepStrictEqual(sorted(actAuth.scopes), sorted(expAuth.scopes))) {
    out.mismatches.push(`${at}: payload.auth.scopes expected ${JSON.stringify(expAuth.scopes)}, got ${JSON.stringify(actAuth.scopes)}`);
  }
}

/** One line describing a received frame, for "unexpected frame" messages. */
export function summarizeFrame(json: unknown, text: string): string {
  if (!isObject(json)) return `non-JSON text ${JSON.stringify(text.slice(0, 80))}`;
  if (json.type === 'res') {
    const error = isObject(json.error) ? ` ${String(json.error.code)} ${JSON.stringify(json.error.message)}` : '';
    return `res id=${JSON.stringify(json.id)} ok=${String(json.ok)}${error}`;
  }
  if (json.type === 'event') return `event ${String(json.event)}`;
  return `frame ${text.slice(0, 80)}`;
}
