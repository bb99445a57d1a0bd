import type { Static, TSchema } from '@sinclair/typebox';
import { ErrorCode, GatewayError, missingScopeError } from '../../protocol/errors.js';
import { ALWAYS_ALLOWED_METHODS, METHOD_SCOPES, isNodeOnlyMethod } from '../../protocol/methods.js';
import { Scope, hasScope } from '../../protocol/scopes.js';
import { lazyValidator, type Validator } from '../../protocol/validate.js';
import type { GatewayServices, Principal } from './context.js';

/** What a handler sees: the gateway's services and the caller. */
export interface MethodContext {
  services: GatewayServices;
  principal: Principal;
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
  return Scope.WRITE;
}

/** Refusal of a call; `isRoleViolation` counts toward the repeated-unauthorized close. */
export interface Refusal {
  error: GatewayError;
  isRoleViolation: boolean;
}

/**
 * The one method table in use: authorization (protocol.md 7.3), params validation, and the
 * conversion of handler failures. Both the WebSocket path and unit tests go through `invoke`.
 */
export class Dispatcher {
  private readonly defs = new Map<string, MethodDef>();

  constructor(defs: readonly MethodDef[]) {
    for (const d of defs) this.defs.set(d.name, d);
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Returns why `principal` may not call `method`, or undefined when it may. */
  authorize(principal: Principal, method: string, params: unknown): Refusal | undefined {
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
   * Runs an authorized call. Throws GatewayError for every expected failure: unknown method,
   * known but not yet implemented, invalid params, or the handler's own refusal.
   */
  async invoke(ctx: MethodContext, method: string, params: unknown): Promise<unknown> {
    if (method === 'connect') {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'connect is only valid as the first request');
    }
    const def = this.defs.get(method);
    if (!def) {
      if (!METHOD_SCOPES.has(method)) throw new GatewayError(ErrorCode.INVALID_REQUEST, `unknown method: ${method}`);
      throw new GatewayError(ErrorCode.UNAVAILABLE, `${method} is not available on this gateway yet`, {
        retryable: false, details: { code: 'METHOD_NOT_IMPLEMENTED', method },
      });
    }
    const value = params ?? {};
    if (!def.params(value)) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `invalid ${method} params: ${def.params.explain(value)}`);
    }
    return await def.handler(ctx, value);
  }
}
