/**
 * The rule for the variables a model may hand a command (`exec`'s `env`), the same on the
 * gateway host and on a node host. Refused: names that change how programs load or run rather
 * than what they compute (dynamic loader, interpreter and tool start-up hooks, shell start-up,
 * editors and pagers a program may start, git's program hooks, proxies, CA files, credentials
 * and config locations, PATH) and farclaw's and OpenClaw's own variables. The names are
 * OpenClaw 2026.9.6's host env policy (src/infra/host-env-security-policy.json: its
 * "blocked everywhere" and "blocked as override" keys and prefixes) plus PATH, PERLLIB, every
 * PYTHON*, GIT_CONFIG and our FARCLAW_/OPENCLAW_ prefixes.
 */
import { createHash } from 'node:crypto';

/** A portable variable name: what every shell can export. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Bounds: a model's env is a handful of short settings, not a payload. */
export const EXEC_ENV_MAX_VARS = 64;
export const EXEC_ENV_MAX_NAME_LENGTH = 128;
export const EXEC_ENV_MAX_VALUE_BYTES = 8_192;
export const EXEC_ENV_MAX_TOTAL_BYTES = 32_768;

const REFUSED_NAMES = new Set(`
PATH PERLLIB GIT_CONFIG
NODE_OPTIONS NODE_PATH NODE_REDIRECT_WARNINGS NODE_REPL_EXTERNAL_MODULE NODE_REPL_HISTORY NODE_V8_COVERAGE PERL5LIB PERL5OPT
RUBYLIB RUBYOPT BASHOPTS BASH_ENV ENV KSH_ENV BROWSER GIT_ALLOW_PROTOCOL GIT_EDITOR GIT_EXTERNAL_DIFF GIT_DIR GIT_WORK_TREE
GIT_COMMON_DIR GIT_EXEC_PATH GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE
GIT_PROTOCOL_FROM_USER GIT_SEQUENCE_EDITOR GIT_TEMPLATE_DIR GIT_SSL_NO_VERIFY GIT_SSL_CAINFO GIT_SSL_CAPATH CC CPP CXX CXXCPP
CARGO_BUILD_RUSTC CARGO_BUILD_RUSTC_WRAPPER CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTDOC RUSTC RUSTC_WRAPPER
RUSTC_WORKSPACE_WRAPPER RUSTDOC CMAKE_C_COMPILER CMAKE_CXX_COMPILER SHELL SHELLOPTS PS4 GCONV_PATH IFS SSLKEYLOGFILE JAVA_OPTS
JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS DOTNET_STARTUP_HOOKS DOTNET_ADDITIONAL_DEPS FPATH GLIBC_TUNABLES
MAVEN_OPTS MAKE MAKEFLAGS MFLAGS SBT_OPTS GRADLE_OPTS ANT_OPTS HGRCPATH HGEDITOR HGMERGE EXINIT VIMINIT MYVIMRC GVIMINIT LUA_INIT
LUA_INIT_5_1 LUA_INIT_5_2 LUA_INIT_5_3 LUA_INIT_5_4 EMACSLOADPATH RUBYSHELL GIT_HOOK_PATH SVN_EDITOR SVN_SSH BZR_EDITOR BZR_SSH
BZR_PLUGIN_PATH SUDO_ASKPASS JULIA_EDITOR CONFIG_SITE CONFIG_SHELL CMAKE_TOOLCHAIN_FILE CATALINA_OPTS CORECLR_PROFILER HELM_PLUGINS
PACKER_PLUGIN_PATH VAGRANT_VAGRANTFILE ERL_AFLAGS ERL_FLAGS ERL_ZFLAGS ELIXIR_ERL_OPTIONS R_ENVIRON R_PROFILE R_ENVIRON_USER
R_PROFILE_USER TCLLIBPATH HOSTALIASES
HOME GRADLE_USER_HOME ZDOTDIR GIT_SSH_COMMAND GIT_SSH GIT_PROXY_COMMAND GIT_ASKPASS SSH_ASKPASS LESSOPEN LESSCLOSE PAGER MANPAGER
GIT_PAGER EDITOR VISUAL FCEDIT SUDO_EDITOR PROMPT_COMMAND HISTFILE PERL5DB PERL5DBCMD OPENSSL_CONF OPENSSL_ENGINES WGETRC CURL_HOME
CLASSPATH CFLAGS CGO_CFLAGS CGO_LDFLAGS GOFLAGS CORECLR_PROFILER_PATH PHPRC PHP_INI_SCAN_DIR DENO_DIR BUN_CONFIG_REGISTRY
YARN_RC_FILENAME HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY NODE_TLS_REJECT_UNAUTHORIZED NODE_EXTRA_CA_CERTS SSL_CERT_FILE
SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH PIP_INDEX_URL PIP_PYPI_URL
PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE PIP_FIND_LINKS PIP_TRUSTED_HOST UV_INDEX UV_INDEX_URL UV_PYTHON UV_EXTRA_INDEX_URL
UV_DEFAULT_INDEX DOCKER_CONTEXT LIBRARY_PATH LDFLAGS CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH OBJC_INCLUDE_PATH GOPROXY
GONOSUMCHECK GONOSUMDB GONOPROXY GOPRIVATE GOENV GOPATH RUSTFLAGS RUSTUP_DIST_ROOT RUSTUP_DIST_SERVER RUSTUP_HOME
RUSTUP_TOOLCHAIN RUSTUP_UPDATE_ROOT CARGO_HOME VIRTUAL_ENV LUA_PATH LUA_CPATH GEM_HOME GEM_PATH BUNDLE_GEMFILE COMPOSER_HOME
CONDA_DEFAULT_ENV CONDA_PREFIX XDG_CACHE_HOME XDG_CONFIG_DIRS XDG_CONFIG_HOME XDG_DATA_DIRS XDG_DATA_HOME XDG_RUNTIME_DIR
XDG_STATE_HOME AWS_CONFIG_FILE KUBECONFIG GOOGLE_APPLICATION_CREDENTIALS AWS_SHARED_CREDENTIALS_FILE AWS_WEB_IDENTITY_TOKEN_FILE
AZURE_AUTH_LOCATION HELM_HOME ANSIBLE_CONFIG ANSIBLE_LIBRARY ANSIBLE_CALLBACK_PLUGINS ANSIBLE_COLLECTIONS_PATH
ANSIBLE_CONNECTION_PLUGINS ANSIBLE_FILTER_PLUGINS ANSIBLE_INVENTORY_PLUGINS ANSIBLE_LOOKUP_PLUGINS ANSIBLE_MODULE_UTILS
ANSIBLE_REMOTE_TEMP ANSIBLE_ROLES_PATH ANSIBLE_STRATEGY_PLUGINS R_LIBS_USER TF_CLI_CONFIG_FILE TF_PLUGIN_CACHE_DIR AMQP_URL
AWS_ACCESS_KEY_ID AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_SECRET_ACCESS_KEY
AWS_SECURITY_TOKEN AWS_SESSION_TOKEN AZURE_CLIENT_ID AZURE_CLIENT_SECRET DATABASE_URL GH_TOKEN GITHUB_TOKEN GITLAB_TOKEN
MONGODB_URI NODE_AUTH_TOKEN NPM_TOKEN REDIS_URL SSH_AUTH_SOCK SYSTEMROOT WINDIR
`.trim().split(/\s+/));
const REFUSED_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'PYTHON', 'GIT_CONFIG_', 'NPM_CONFIG_', 'CARGO_REGISTRIES_', 'TF_VAR_', 'FARCLAW_', 'OPENCLAW_'];

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

/**
 * OpenClaw's `systemRunBinding.envHash` of an env (sha256 hex of the name-sorted `[name, value]`
 * pairs as JSON; null without variables), so a node's approval binding matches what runs.
 */
export function execEnvHash(env: Readonly<Record<string, string>> | undefined): string | null {
  const entries = Object.entries(env ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  return entries.length === 0 ? null : createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}
