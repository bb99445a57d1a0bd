import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import JSON5 from 'json5';
import { lazyValidator } from '../protocol/validate.js';
import { ConfigSchema, type FarclawConfig, type Secret } from './config-schema.js';

/** A config file that cannot be used; the message names the file and the problem. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  path: string;
  exists: boolean;
  /** File text as read (never logged or sent: it may hold secrets). */
  raw: string | null;
  config: FarclawConfig;
}

const validateConfig = lazyValidator(ConfigSchema);

/** The schema at a JSON pointer into the config (`/gateway/auth/token`), following properties. */
function schemaAt(pointer: string): TSchema | undefined {
  let schema: TSchema | undefined = ConfigSchema;
  for (const key of pointer.split('/').slice(1)) {
    schema = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties?.[key];
  }
  return schema;
}

/** `"a" or "b"`, `a string or an object {source, id}`: what a union accepts, in words. */
function allowedValues(schema: TSchema): string | undefined {
  const options = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!options) return undefined;
  return options
    .map((o) => {
      const c = o as { const?: unknown; type?: string; properties?: Record<string, unknown> };
      if (c.const !== undefined) return JSON.stringify(c.const);
      if (c.type === 'object' && c.properties) return `an object {${Object.keys(c.properties).join(', ')}}`;
      return c.type === 'integer' ? 'an integer' : `a ${c.type ?? 'value'}`;
    })
    .join(' or ');
}

/** Replaces the validator's "one of the allowed values" with the values themselves. */
function nameAllowed(explained: string): string {
  return explained.replace(/at (\/\S+): must be equal to one of the allowed values/g, (whole, pointer: string) => {
    const schema = schemaAt(pointer);
    const allowed = schema ? allowedValues(schema) : undefined;
    return allowed ? `at ${pointer}: must be ${allowed}` : whole;
  });
}

/**
 * Reads and validates the JSON5 config. A missing file is not an error (embedded defaults);
 * unreadable, unparsable or invalid files throw ConfigError.
 */
export function loadConfig(path: string): LoadedConfig {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, exists: false, raw: null, config: {} };
    throw new ConfigError(`Cannot read config ${path}: ${code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    const e = err as { lineNumber?: number; columnNumber?: number; message?: string };
    const where = e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber ?? 0})` : '';
    const reason = (e.message ?? 'syntax error').replace(/^JSON5: /, '');
    throw new ConfigError(`Invalid config ${path}${where}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Invalid config ${path}: the top level must be an object`);
  }
  if (!validateConfig(parsed)) {
    throw new ConfigError(`Invalid config ${path}: ${nameAllowed(validateConfig.explain(parsed))}`);
  }
  return { path, exists: true, raw, config: parsed };
}

const PLACEHOLDERS = new Set(['', 'undefined', 'null']);

/**
 * Resolves a secret to its value. Unset → undefined. Placeholders, unresolved `${VAR}` and
 * SecretRefs we cannot resolve throw (fail closed, remote-access.md 5.1 item 7 and 7.2 item 6).
 */
export function resolveSecret(secret: Secret | undefined, key: string, env: NodeJS.ProcessEnv): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'string') {
    if (PLACEHOLDERS.has(secret.trim())) throw new ConfigError(`Invalid config: ${key} is a placeholder value ("${secret}")`);
    if (/\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(secret)) return undefined;
    return secret;
  }
  if (secret.source === 'env') {
    const value = env[secret.id];
    if (value === undefined || value === '') throw new ConfigError(`${key} refers to environment variable ${secret.id}, which is not set`);
    return value;
  }
  throw new ConfigError(`${key} uses secret source "${secret.source}", which farclaw cannot resolve`);
}

export const REDACTED = '__OPENCLAW_REDACTED__';
const SECRET_KEY = /^(token|password|secret|apiKey|botToken|privateKey)$|Token$|Password$|Secret$/;

/** Deep copy with every secret-looking key's value replaced by the redaction marker. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redactSecrets(v);
    }
    return out;
  }
  return value;
}
