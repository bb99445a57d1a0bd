import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from '../../infra/logger.js';
import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError, missingScopeError, toErrorShape, type ErrorShape } from '../../protocol/errors.js';
import type { RequestFrame } from '../../protocol/schema/frames.js';
import { ALWAYS_ALLOWED_METHODS, METHOD_SCOPES, UNADVERTISED_METHODS, isNodeOnlyMethod } from '../../protocol/methods.js';
import { Scope, hasScope } from '../../protocol/scopes.js';
import { lazyValidator, type Validator } from '../../protocol/validate.js';
import { serialiseBounded } from './frame-limits.js';
import type { GatewayServices, Principal } from './context.js';

/** What a handler sees: the gateway's services and the caller. */
export interface MethodContext {
  services: GatewayServices;
  principal: Principal;
  /**
   * Sends an early `ok:true` response with this request's id (protocol.md 11.7: `accepted`);
   * the handler's return value is then the final response with the same id. Events in between
   * go through the bus.
   */
  accept(payload: unknown): void;
}

export interface MethodDef<S extends TSchema = TSchema> {
  name: string;
  params: Validator<S>;
  handler: (ctx: MethodContext, params: Static<S>) => unknown;
}

/** Declares a handler with its params schema; params arrive validated and typed. */
export function defineMethod<S extends TSchema>(
  name: string,
  params: S,
  handler: (ctx: MethodContext, params: Static<S>) => unknown,
): MethodDef {
  return { name, params: lazyValidator(params), handler } as unknown as MethodDef;
}

/** Scope of a `dynamic` method for these params (protocol.md 7.4). */
function dynamicScope(method: string, params: unknown): string {
  const p = (params ?? {}) as Record<string, unknown>;
  if (method === 'agent') {
    const msg = typeof p.message === 'string' ? p.message.trim() : '';
    return /^\/(new|reset)\b/.test(msg) ? Scope.ADMIN : Scope.WRITE;
  }
  if (method === 'node.invoke') {
    const adminCommands = ['browser.proxy', 'browser.proxy.upload.v1', 'fs.listDir', 'terminal.upload'];
    return adminCommands.includes(String(p.command)) ? Scope.ADMIN : Scope.WRITE;
  }
  if (method === 'talk.config') return p.includeSecrets === true ? Scope.TALK_SECRETS : Scope.READ;
  // An approved sender may drive the assistant (and its node tools): approving takes pairing rights.
  if (method === 'channels.pairing.approve') return Scope.PAIRING;
  return Scope.WRITE;
}

/** A call the dispatcher refuses (role or scope); `isRoleViolation` counts toward the repeated-unauthorized close. */
export interface CallRefusal {
  error: GatewayError;
  isRoleViolation: boolean;
}

/** A response frame as it goes on the wire. */
export type ResponseFrameOut =
  | { type: 'res'; id: string; ok: true; payload: unknown }
  | { type: 'res'; id: string; ok: false; error: ErrorShape; payload?: unknown };

/** The result of a socket-free call: the final response, and every response sent before it. */
export type CallResult = ResponseFrameOut & { earlier: ResponseFrameOut[] };

/** How a request ended, for the connection's repeated-unauthorized count. */
export interface Handled {
  isRoleViolation: boolean;
}

/** Where a request's response frames go: its connection, or `invoke`'s collector. */
export interface ReplySink {
  /** Takes one serialised response frame. */
  sendReply(text: string): void;
}

/**
 * A result already serialised as JSON, spliced into the response as is: a handler answering from
 * a cached snapshot (`health`) returns the snapshot's text instead of having it serialised again
 * for every call.
 */
export class SerialisedPayload {
  constructor(readonly json: string) {}
}

const HANDLED: Handled = { isRoleViolation: false };
const ROLE_VIOLATION: Handled = { isRoleViolation: true };

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** One request being handled: the handler's context, and where its responses go. */
class Call implements MethodContext {
  /** The final response was written: a late `accept` is dropped. */
  isFinal = false;

  constructor(
    readonly services: GatewayServices,
    readonly principal: Principal,
    readonly frame: RequestFrame,
    readonly sink: ReplySink,
    private readonly dispatcher: Dispatcher,
  ) {}

  accept(payload: unknown): void {
    if (!this.isFinal) this.dispatcher.respond(this, true, payload);
  }
}

/**
 * The one request path: authorize (protocol.md 7.3) → validate params → run → response
 * frame(s). Every error becomes a wire `error` here and nowhere else; anything that is not a
 * GatewayError is logged with its stack and goes out as a generic UNAVAILABLE. Responses are
 * serialised here too: one that cannot be (too deep, cyclic) becomes an error for that request.
 */
export class Dispatcher {
  private readonly defs = new Map<string, MethodDef>();
  /**
   * The methods hello-ok advertises (`features.methods`), in registration order: every
   * registered method except the unadvertised ones. Fixed once the dispatcher is built.
   */
  readonly advertisedMethods: readonly string[];

  constructor(defs: readonly MethodDef[], private readonly services?: GatewayServices, private readonly logger?: Logger) {
    for (const d of defs) this.defs.set(d.name, d);
    this.advertisedMethods = Object.freeze([...this.defs.keys()].filter((m) => !UNADVERTISED_METHODS.has(m)));
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Returns why `principal` may not call `method`, or undefined when it may. */
  authorize(principal: Principal, method: string, params: unknown): CallRefusal | undefined {
    if (method === 'health') return undefined;
    const nodeOnly = isNodeOnlyMethod(method);
    if (nodeOnly !== (principal.role === 'node')) {
      return { error: new GatewayError(ErrorCode.INVALID_REQUEST, `unauthorized role: ${principal.role}`), isRoleViolation: true };
    }
    if (principal.role === 'node' || ALWAYS_ALLOWED_METHODS.has(method)) return undefined;
    if (principal.scopes.includes(Scope.ADMIN)) return undefined;
    const declared = METHOD_SCOPES.get(method) ?? Scope.ADMIN;
    const required = declared === 'dynamic' ? dynamicScope(method, params) : declared;
    if (hasScope(principal.scopes, required)) return undefined;
    return { error: missingScopeError(required), isRoleViolation: false };
  }

  /**
   * Handles one request frame from `principal`, giving each response frame's text to `sink` (an
   * early `accepted` one, if the handler sends it, then the final one). Never throws. A handler
   * that answers synchronously is answered before this returns (no promise, no microtask: the
   * common case, and most of a pipelined call's cost); an asynchronous one returns a promise.
   */
  handle(principal: Principal, frame: RequestFrame, sink: ReplySink): Handled | Promise<Handled> {
    const refusal = this.authorize(principal, frame.method, frame.params);
    if (refusal) {
      sink.sendReply(this.serialise({ type: 'res', id: frame.id, ok: false, error: refusal.error.toShape() }, frame.method));
      return refusal.isRoleViolation ? ROLE_VIOLATION : HANDLED;
    }
    let call: Call | undefined;
    let result: unknown;
    try {
      call = new Call(this.requireServices(), principal, frame, sink, this);
      result = this.run(call, frame.method, frame.params);
    } catch (err) {
      this.fail(call ?? frame, sink, err);
      return HANDLED;
    }
    if (!isThenable(result)) {
      this.respond(call, true, result);
      return HANDLED;
    }
    const settled = call;
    return Promise.resolve(result).then(
      (payload) => (this.respond(settled, true, payload), HANDLED),
      (err: unknown) => (this.fail(settled, sink, err), HANDLED),
    );
  }

  /**
   * Calls a method as `principal` without a socket, through the same path as a WS frame
   * (authorization, validation, error mapping, serialisation), like hono's `app.request`.
   */
  async invoke(method: string, params: unknown, principal: Principal): Promise<CallResult> {
    const frames: ResponseFrameOut[] = [];
    const frame: RequestFrame = { type: 'req', id: `invoke-${method}`, method, ...(params === undefined ? {} : { params }) };
    await this.handle(principal, frame, { sendReply: (text) => frames.push(JSON.parse(text) as ResponseFrameOut) });
    const last = frames.pop();
    if (!last) throw new Error(`${method} sent no response`);
    return { ...last, earlier: frames };
  }

  /** Writes an `ok:true` response of `call`: an early `accepted` one, or (`isFinal`) the last. */
  respond(call: Call, isFinal: boolean, payload: unknown): void {
    call.isFinal ||= isFinal;
    const { id, method } = call.frame;
    if (payload instanceof SerialisedPayload) {
      call.sink.sendReply(`{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${payload.json}}`);
      return;
    }
    call.sink.sendReply(this.serialise({ type: 'res', id, ok: true, payload }, method));
  }

  /** Writes the final error response of a call whose handler threw (or could not start). */
  private fail(call: Call | RequestFrame, sink: ReplySink, err: unknown): void {
    const frame = call instanceof Call ? call.frame : call;
    if (call instanceof Call) call.isFinal = true;
    const payload = err instanceof GatewayError ? err.payload : undefined;
    const res: ResponseFrameOut = { type: 'res', id: frame.id, ok: false, error: this.toWire(err, frame.method), ...(payload !== undefined ? { payload } : {}) };
    sink.sendReply(this.serialise(res, frame.method));
  }

  /** Wire error of anything a handler threw (the one conversion point). */
  private toWire(err: unknown, method: string): ErrorShape {
    if (!(err instanceof GatewayError)) this.logger?.error({ err, method }, 'method failed');
    return toErrorShape(err);
  }

  private serialise(res: ResponseFrameOut, method: string): string {
    try {
      return serialiseBounded(res);
    } catch (err) {
      this.logger?.warn({ err, method }, 'response could not be serialised');
      const error = new GatewayError(ErrorCode.UNAVAILABLE, `${method} response could not be serialised`, {
        details: { code: DetailCode.RESPONSE_NOT_SERIALISABLE },
      });
      return JSON.stringify({ type: 'res', id: res.id, ok: false, error: error.toShape() });
    }
  }

  private requireServices(): GatewayServices {
    if (!this.services) throw new Error('Dispatcher was built without services: it can authorize but not run methods');
    return this.services;
  }

  /**
   * Runs an authorized call: the handler's result, or its promise when it is asynchronous.
   * Throws GatewayError for every expected failure found before the handler runs.
   */
  private run(ctx: MethodContext, method: string, params: unknown): unknown {
    if (method === 'connect') {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'connect is only valid as the first request');
    }
    const def = this.defs.get(method);
    if (!def) {
      if (!METHOD_SCOPES.has(method)) throw new GatewayError(ErrorCode.INVALID_REQUEST, `unknown method: ${method}`);
      throw new GatewayError(ErrorCode.UNAVAILABLE, `${method} is not available on this gateway yet`, {
        retryable: false, details: { code: DetailCode.METHOD_NOT_IMPLEMENTED, method },
      });
    }
    const value = params ?? {};
    if (!def.params(value)) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `invalid ${method} params: ${def.params.explain(value)}`);
    }
    return def.handler(ctx, value);
  }
}
