import { chmodSync, copyFileSync, lstatSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import JSON5 from 'json5';
import { writeFileAtomic } from '../../infra/atomic-write.js';
import type { Finding } from './findings.js';

/** One change `--fix` made (or would make). */
export interface FixAction {
  checkId: string;
  action: string;
}

export interface FixResult {
  actions: FixAction[];
  /** Where the previous config was kept, when the file was rewritten. */
  backupPath?: string;
  /** Set when the old file had JSON5 comments, which the rewrite does not keep. */
  commentsDropped: boolean;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const child = (parent: Json, key: string): Json => {
  const existing = obj(parent[key]);
  if (existing) return existing;
  const made: Json = {};
  parent[key] = made;
  return made;
};

/**
 * The config edits that can only narrow exposure, never lock the user out of what they
 * configured on purpose or invent a secret: explicit rate limit, no host-header fallback, no
 * X-Real-IP fallback, no wildcard origin, minimal mDNS. Mutates `config`; returns what it did.
 */
export function applyConfigFixes(config: Json, findings: readonly Finding[]): FixAction[] {
  const ids = new Set(findings.map((f) => f.checkId));
  const actions: FixAction[] = [];
  const gw = (): Json => child(config, 'gateway');
  if (ids.has('gateway.auth_no_rate_limit')) {
    child(gw(), 'auth').rateLimit = { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000 };
    actions.push({ checkId: 'gateway.auth_no_rate_limit', action: 'set gateway.auth.rateLimit to {maxAttempts: 10, windowMs: 60000, lockoutMs: 300000}' });
  }
  if (ids.has('gateway.control_ui.host_header_origin_fallback')) {
    child(gw(), 'controlUi').dangerouslyAllowHostHeaderOriginFallback = false;
    actions.push({ checkId: 'gateway.control_ui.host_header_origin_fallback', action: 'set gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback to false' });
  }
  if (ids.has('gateway.control_ui.allowed_origins_wildcard')) {
    const ui = child(gw(), 'controlUi');
    ui.allowedOrigins = (ui.allowedOrigins as unknown[]).filter((o) => typeof o !== 'string' || o.trim() !== '*');
    actions.push({ checkId: 'gateway.control_ui.allowed_origins_wildcard', action: 'removed "*" from gateway.controlUi.allowedOrigins' });
  }
  if (ids.has('gateway.real_ip_fallback_enabled')) {
    gw().allowRealIpFallback = false;
    actions.push({ checkId: 'gateway.real_ip_fallback_enabled', action: 'set gateway.allowRealIpFallback to false' });
  }
  if (ids.has('discovery.mdns_full_mode')) {
    child(child(config, 'discovery'), 'mdns').mode = 'minimal';
    actions.push({ checkId: 'discovery.mdns_full_mode', action: 'set discovery.mdns.mode to "minimal"' });
  }
  return actions;
}

/** Tightens file modes the fs checks flagged (never follows symlinks). */
export function applyPermissionFixes(stateDir: string, configPath: string, findings: readonly Finding[]): FixAction[] {
  const actions: FixAction[] = [];
  for (const f of findings) {
    if (f.checkId.startsWith('fs.state_dir.perms_') && !lstatSync(stateDir).isSymbolicLink()) {
      chmodSync(stateDir, 0o700);
      actions.push({ checkId: f.checkId, action: `chmod 700 ${stateDir}` });
    } else if (f.checkId.startsWith('fs.config.perms_') && !lstatSync(configPath).isSymbolicLink()) {
      chmodSync(configPath, 0o600);
      actions.push({ checkId: f.checkId, action: `chmod 600 ${configPath}` });
    }
  }
  return actions;
}

/** Thrown when the config cannot be rewritten without losing something. */
export class FixError extends Error {}

/** Whether JSON5 text has comments (outside strings). */
export function hasComments(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      return true;
    }
  }
  return false;
}

/**
 * Rewrites the config with the fixes applied: the old file is copied to `<path>.bak` first, the
 * new one written atomically (temp file, fsync, rename) with the old file's mode. The new text
 * must parse back to exactly the intended object, else nothing is written.
 * @throws FixError when serialising would lose a value (e.g. Infinity, NaN)
 */
export function rewriteConfig(path: string, raw: string, fixed: Json): { backupPath: string; commentsDropped: boolean } {
  const text = JSON.stringify(fixed, null, 2) + '\n';
  if (!isDeepStrictEqual(JSON5.parse(text), fixed)) {
    throw new FixError(`Not rewriting ${path}: it holds values plain JSON cannot keep (e.g. Infinity or NaN); apply the fixes by hand.`);
  }
  const mode = lstatSync(path).mode & 0o777;
  const backupPath = `${path}.bak`;
  copyFileSync(path, backupPath);
  chmodSync(backupPath, 0o600);
  writeFileAtomic(path, text, { mode: mode & 0o600 || 0o600 });
  return { backupPath, commentsDropped: hasComments(raw) };
}
