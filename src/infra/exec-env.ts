/**
 * The rule for the variables a model may hand a command (`exec`'s `env`), the same on the
 * gateway host and on a node host. Refused: names that change how programs load or run rather
 * than what they compute (dynamic loader, interpreter start-up hooks, shell start-up, git's
 * program hooks, PATH) and farclaw's and OpenClaw's own variables. The list covers OpenClaw's
 * host env policy (LD_*, DYLD_*, BASH_FUNC_*, NODE_OPTIONS, NODE_PATH, PYTHONHOME, PYTHONPATH,
 * PERL5LIB, PERL5OPT, RUBYLIB, RUBYOPT, BASH_ENV, ENV, GCONV_PATH, IFS, SSLKEYLOGFILE, and no
 * PATH override) and widens it where a hook of the same kind exists.
 */

/** A portable variable name: what every shell can export. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Bounds: a model's env is a handful of short settings, not a payload. */
export const EXEC_ENV_MAX_VARS = 64;
export const EXEC_ENV_MAX_NAME_LENGTH = 128;
export const EXEC_ENV_MAX_VALUE_BYTES = 8_192;
export const EXEC_ENV_MAX_TOTAL_BYTES = 32_768;

const REFUSED_NAMES = new Set([
  'PATH', 'NODE_OPTIONS', 'NODE_PATH', 'PERL5LIB', 'PERLLIB', 'PERL5OPT', 'PERL5DB', 'RUBYOPT', 'RUBYLIB',
  'BASH_ENV', 'ENV', 'PS4', 'SHELLOPTS', 'BASHOPTS', 'IFS', 'PROMPT_COMMAND', 'GCONV_PATH', 'SSLKEYLOGFILE',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CLASSPATH',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_PROXY_COMMAND', 'GIT_ASKPASS', 'GIT_EXTERNAL_DIFF', 'GIT_TEMPLATE_DIR',
  'GIT_EDITOR', 'GIT_PAGER', 'GIT_SEQUENCE_EDITOR', 'SSH_ASKPASS', 'EDITOR', 'VISUAL', 'PAGER',
]);
const REFUSED_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'PYTHON', 'GIT_CONFIG', 'FARCLAW_', 'OPENCLAW_'];

/** Why a model's `env` cannot be used; the message names the variable and never echoes its value. */
export class ExecEnvError extends Error {
  override name = 'ExecEnvError';
}

/** Whether `name` is one of the variables that change how programs load or run (case-insensitive). */
export function isRefusedExecEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return REFUSED_NAMES.has(upper) || REFUSED_PREFIXES.some((p) => upper.startsWith(p));
}

/**
 * Checks a model's `env` (any JSON) and returns it as name → value; undefined stays undefined.
 * @throws ExecEnvError naming the first variable that is malformed, too big or refused.
 */
export function checkExecEnv(env: unknown): Record<string, string> | undefined {
  if (env === undefined || env === null) return undefined;
  if (typeof env !== 'object' || Array.isArray(env)) throw new ExecEnvError('env must be an object of variable names to string values');
  const entries = Object.entries(env as Record<string, unknown>);
  if (entries.length > EXEC_ENV_MAX_VARS) throw new ExecEnvError(`env has ${entries.length} variables; at most ${EXEC_ENV_MAX_VARS} are allowed`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let total = 0;
  for (const [name, value] of entries) {
    const shown = JSON.stringify(name.length > EXEC_ENV_MAX_NAME_LENGTH ? `${name.slice(0, 32)}…` : name);
    if (name.length > EXEC_ENV_MAX_NAME_LENGTH || !NAME.test(name)) {
      throw new ExecEnvError(`env variable ${shown} is not a valid name (letters, digits and _, not starting with a digit, at most ${EXEC_ENV_MAX_NAME_LENGTH} characters)`);
    }
    if (typeof value !== 'string') throw new ExecEnvError(`env variable ${shown} must have a string value`);
    if (value.includes('\0')) throw new ExecEnvError(`env variable ${shown} contains a NUL character`);
    const size = Buffer.byteLength(value, 'utf8');
    if (size > EXEC_ENV_MAX_VALUE_BYTES) throw new ExecEnvError(`env variable ${shown} is ${size} bytes; at most ${EXEC_ENV_MAX_VALUE_BYTES} are allowed`);
    if (isRefusedExecEnvName(name)) throw new ExecEnvError(`env variable ${shown} is refused: it changes how programs load or run on the host`);
    total += name.length + size;
    if (total > EXEC_ENV_MAX_TOTAL_BYTES) throw new ExecEnvError(`env is larger than ${EXEC_ENV_MAX_TOTAL_BYTES} bytes in total`);
    out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `NAME='value' ` words for showing an operator the variables a command gets (single-quoted). */
export function describeExecEnv(env: Readonly<Record<string, string>> | undefined): string {
  if (!env) return '';
  return Object.entries(env).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}' `).join('');
}
