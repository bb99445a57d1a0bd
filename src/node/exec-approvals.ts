import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandError } from './system-which.js';

/** OpenClaw's exec security and ask levels (assistant.md 8.2). */
export type ExecSecurity = 'deny' | 'allowlist' | 'full';
export type ExecAsk = 'off' | 'on-miss' | 'always';

/** One pre-approved executable: a path or bare-name glob, optionally bound to its arguments. */
export interface AllowlistEntry {
  pattern: string;
  argPattern?: string;
  id?: string;
  source?: string;
}

/** Policy of one scope (`defaults`, `agents['*']`, `agents[<id>]`). */
export interface ApprovalsScope {
  security?: ExecSecurity;
  ask?: ExecAsk;
  askFallback?: ExecSecurity;
  allowlist?: AllowlistEntry[];
}

/** The node's exec approvals document, in OpenClaw's shape (`system.execApprovals.get`, assistant.md 8.3 step 4). */
export interface ExecApprovalsFile {
  version: 1;
  defaults: ApprovalsScope;
  agents: Record<string, ApprovalsScope>;
}

/** What `system.execApprovals.get`/`.set` answer. */
export interface ExecApprovalsSnapshot {
  path: string;
  exists: boolean;
  file: ExecApprovalsFile;
  hash: string;
}

const SECURITY = new Set<string>(['deny', 'allowlist', 'full']);
const ASK = new Set<string>(['off', 'on-miss', 'always']);
const MAX_ENTRIES = 1_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string): never {
  throw new CommandError('INVALID_REQUEST', `INVALID_REQUEST: ${message}`);
}

function scopeOf(value: unknown, where: string): ApprovalsScope {
  if (value === undefined) return {};
  if (!isRecord(value)) invalid(`${where} must be an object`);
  const scope: ApprovalsScope = {};
  if (value.security !== undefined) {
    if (typeof value.security !== 'string' || !SECURITY.has(value.security)) invalid(`${where}.security must be deny, allowlist or full`);
    scope.security = value.security as ExecSecurity;
  }
  if (value.ask !== undefined) {
    if (typeof value.ask !== 'string' || !ASK.has(value.ask)) invalid(`${where}.ask must be off, on-miss or always`);
    scope.ask = value.ask as ExecAsk;
  }
  if (value.askFallback !== undefined) {
    if (typeof value.askFallback !== 'string' || !SECURITY.has(value.askFallback)) invalid(`${where}.askFallback must be deny, allowlist or full`);
    scope.askFallback = value.askFallback as ExecSecurity;
  }
  if (value.allowlist !== undefined) {
    if (!Array.isArray(value.allowlist) || value.allowlist.length > MAX_ENTRIES) invalid(`${where}.allowlist must be a list of at most ${MAX_ENTRIES} entries`);
    scope.allowlist = value.allowlist.map((e: unknown, i) => {
      if (!isRecord(e) || typeof e.pattern !== 'string' || e.pattern.trim() === '') invalid(`${where}.allowlist[${i}].pattern must be a non-empty string`);
      const entry: AllowlistEntry = { pattern: e.pattern.trim() };
      for (const key of ['argPattern', 'id', 'source'] as const) {
        if (e[key] !== undefined) {
          if (typeof e[key] !== 'string') invalid(`${where}.allowlist[${i}].${key} must be a string`);
          entry[key] = e[key];
        }
      }
      return entry;
    });
  }
  return scope;
}

/**
 * Checks and normalises a document from a gateway (unknown keys are dropped, nothing else is
 * guessed). @throws CommandError `INVALID_REQUEST` naming the bad field.
 */
export function parseExecApprovalsFile(value: unknown): ExecApprovalsFile {
  if (!isRecord(value)) invalid('exec approvals file required');
  if (value.version !== undefined && value.version !== 1) invalid('exec approvals file version must be 1');
  const agents: Record<string, ApprovalsScope> = {};
  if (value.agents !== undefined) {
    if (!isRecord(value.agents)) invalid('agents must be an object');
    for (const [id, scope] of Object.entries(value.agents)) agents[id] = scopeOf(scope, `agents.${id}`);
  }
  return { version: 1, defaults: scopeOf(value.defaults, 'defaults'), agents };
}

const EMPTY: ExecApprovalsFile = { version: 1, defaults: {}, agents: {} };

/**
 * The node's exec approvals (what a gateway may treat as pre-approved, and the node's own
 * security/ask), kept in `<stateDir>/exec-approvals.json` (0600). Separate from the owner's
 * `nodeHost.systemRun.allow`, which is the ceiling of what may run at all: an entry here never
 * lets a program outside it run. Written only through `set`, with the hash the writer last read.
 */
export class ExecApprovalsStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'exec-approvals.json');
  }

  /** The current document (defaults when there is none or it is unreadable). */
  get(): ExecApprovalsSnapshot {
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      // none yet
    }
    let file = EMPTY;
    if (text !== undefined) {
      try {
        file = parseExecApprovalsFile(JSON.parse(text));
      } catch {
        // A damaged file grants nothing; `set` replaces it.
      }
    }
    return { path: this.path, exists: text !== undefined, file, hash: hashOf(text ?? '') };
  }

  /**
   * `system.execApprovals.set {file, baseHash}`: replaces the document when `baseHash` is the
   * hash of the current one (required once a document exists).
   * @throws CommandError `INVALID_REQUEST` for a bad document or a stale/missing base hash.
   */
  set(params: unknown): ExecApprovalsSnapshot {
    const p = isRecord(params) ? params : {};
    const file = parseExecApprovalsFile(p.file);
    const current = this.get();
    if (current.exists && p.baseHash !== current.hash) invalid('exec approvals changed; reload and retry');
    const text = `${JSON.stringify(file, null, 2)}\n`;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.path);
    return { path: this.path, exists: true, file, hash: hashOf(text) };
  }

  /**
   * The node's security and ask for `agentId`: the agent's scope over `*` over the defaults; a
   * headless node defaults to full/off like OpenClaw's (assistant.md 8.8), its owner's allowlist
   * being enforced by the node itself at prepare and run.
   */
  policyFor(agentId: string | undefined): { security: ExecSecurity; ask: ExecAsk; askFallback: ExecSecurity; allowlist: AllowlistEntry[] } {
    const { file } = this.get();
    const scopes = [agentId !== undefined ? file.agents[agentId] : undefined, file.agents['*'], file.defaults];
    const pick = <K extends keyof ApprovalsScope>(key: K): ApprovalsScope[K] | undefined => scopes.find((s) => s?.[key] !== undefined)?.[key];
    return {
      security: pick('security') ?? 'full',
      ask: pick('ask') ?? 'off',
      askFallback: pick('askFallback') ?? 'deny',
      allowlist: scopes.flatMap((s) => s?.allowlist ?? []),
    };
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
