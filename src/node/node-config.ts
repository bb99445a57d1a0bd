import type { LoadedConfig } from '../infra/config.js';

/**
 * What the node's owner allows on this machine, from `nodeHost` in the node's own config file
 * (the gateway cannot widen it):
 *
 * ```json5
 * { nodeHost: { systemRun: { allow: ["uname", "/usr/bin/df"], timeoutMs: 30000, maxOutputBytes: 65536 } } }
 * ```
 * `allow` lists executables by name (looked up on PATH) or absolute path; nothing runs without it.
 */
export interface NodeHostPolicy {
  /** Absolute paths and bare names `system.run` may start. */
  runAllow: string[];
  /** Upper bound of one run's time. */
  runTimeoutMs: number;
  /** Kept per stream (stdout, stderr); the rest is dropped and the result flagged `truncated`. */
  maxOutputBytes: number;
}

export const DEFAULT_RUN_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/** A config value the node host cannot use; the message names the key. */
export class NodeConfigError extends Error {}

function positiveInt(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new NodeConfigError(`Invalid ${key}: expected a positive integer, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Reads `nodeHost.systemRun` from the loaded config; throws NodeConfigError on a bad value. */
export function nodeHostPolicyOf(loaded: LoadedConfig): NodeHostPolicy {
  const nodeHost = (loaded.config as { nodeHost?: unknown }).nodeHost;
  const run = (nodeHost && typeof nodeHost === 'object' ? (nodeHost as { systemRun?: unknown }).systemRun : undefined) ?? {};
  if (typeof run !== 'object' || run === null) throw new NodeConfigError('Invalid nodeHost.systemRun: expected an object.');
  const r = run as { allow?: unknown; timeoutMs?: unknown; maxOutputBytes?: unknown };
  const allow = r.allow ?? [];
  if (!Array.isArray(allow) || !allow.every((a) => typeof a === 'string' && a.trim() !== '')) {
    throw new NodeConfigError('Invalid nodeHost.systemRun.allow: expected a list of executable names or absolute paths.');
  }
  return {
    runAllow: allow.map((a: string) => a.trim()),
    runTimeoutMs: positiveInt(r.timeoutMs, 'nodeHost.systemRun.timeoutMs', DEFAULT_RUN_TIMEOUT_MS),
    maxOutputBytes: positiveInt(r.maxOutputBytes, 'nodeHost.systemRun.maxOutputBytes', DEFAULT_MAX_OUTPUT_BYTES),
  };
}
