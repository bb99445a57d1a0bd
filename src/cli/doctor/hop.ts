import type { GatewayClient } from '../../client/gateway-client.js';
import type { Target } from '../target.js';
import type { LoadedConfig } from '../../infra/config.js';
import type { ReachFailure } from './reach.js';

/** The outcome of one hop: passed (with what was seen) or failed (with why and the fix). */
export interface HopResult {
  id: string;
  title: string;
  ok: boolean;
  /** What was checked and seen, one line. */
  detail: string;
  /** Non-fatal remarks (e.g. unknown config keys). */
  warnings?: string[];
  /** For a failed hop: the exact command (or config edit) that fixes it. */
  fix?: string;
  /** For a failed hop: the failure as the transport words it (`connect ECONNREFUSED 127.0.0.1:1`), when it differs from `detail`. */
  error?: string;
}

/** What the hops before have established; each hop reads it and may add to it. */
export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  stateDir: string;
  timeoutMs: number;
  loaded?: LoadedConfig;
  target?: Target;
  /** The URL actually dialled (an SSH tunnel's local end for SSH targets). */
  dialUrl?: string;
  /** An authenticated connection, once the auth hops passed; closed by the runner. */
  client?: GatewayClient;
  /** A connect refused for pairing (not paired, or asking beyond its approval): the details. */
  pairingRefusal?: { message: string; reason?: string; requestId?: string };
  /** Scopes hello-ok granted. */
  scopes?: string[];
  /** How long the accepted connect took, in ms. */
  connectLatencyMs?: number;
  /** The refused connect, when the auth hop failed (what `status --deep` reports). */
  reachFailure?: ReachFailure;
  /** The gateway's `health` payload, once the health hop read it. */
  health?: Record<string, unknown>;
  /** Things to release at the end (an on-demand SSH tunnel). */
  cleanups: (() => Promise<void>)[];
}

/**
 * One hop on the way from this machine to a working gateway. `applies` skips hops that do not
 * exist on this path (DNS for an IP, SSH for a direct URL, TLS for ws://). Hops that need the
 * gateway's answers (model providers, channels) go after `health` and use `ctx.client`.
 */
export interface DoctorHop {
  id: string;
  title: string;
  applies?(ctx: DoctorContext): boolean;
  run(ctx: DoctorContext): Promise<HopOutcome>;
}

/** What a hop's run returns; the runner adds its id and title. */
export type HopOutcome = Omit<HopResult, 'id' | 'title'>;

export const pass = (detail: string, warnings?: string[]): HopOutcome => ({ ok: true, detail, ...(warnings?.length ? { warnings } : {}) });
export const fail = (detail: string, fix: string, error?: string): HopOutcome => ({ ok: false, detail, fix, ...(error !== undefined && error !== detail ? { error } : {}) });

/** Where the fix for the gateway's own side has to be run. */
export const onGatewayHost = (ctx: DoctorContext, command: string): string =>
  ctx.target?.mode === 'local' ? command : `on the gateway host: ${command}`;
