import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { checkExecEnv, describeExecEnv, execEnvHash, EXEC_ENV_MAX_VALUE_BYTES, EXEC_ENV_MAX_VARS, ExecEnvError, isRefusedExecEnvName } from './exec-env.js';

const refusedWith = (env: unknown, re: RegExp) => assert.throws(() => checkExecEnv(env), (err: unknown) => err instanceof ExecEnvError && re.test(err.message));

describe('the env a model may hand a command', () => {
  it('passes ordinary variables through and treats none or {} as nothing', () => {
    assert.deepEqual({ ...checkExecEnv({ GREETING: 'hello world', _X1: '', lang: 'C' }) }, { GREETING: 'hello world', _X1: '', lang: 'C' });
    assert.equal(checkExecEnv(undefined), undefined);
    assert.equal(checkExecEnv(null), undefined);
    assert.equal(checkExecEnv({}), undefined);
  });

  it('refuses loader, interpreter, shell and git hooks, PATH and our own variables, in any case, naming the variable', () => {
    const refused = [
      'PATH', 'path', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'ld_audit', 'DYLD_INSERT_LIBRARIES', 'NODE_OPTIONS', 'NODE_PATH', 'PYTHONPATH', 'PYTHONSTARTUP',
      'PYTHONHOME', 'PERL5LIB', 'PERLLIB', 'PERL5OPT', 'RUBYOPT', 'RUBYLIB', 'BASH_ENV', 'ENV', 'PS4', 'SHELLOPTS', 'IFS', 'BASH_FUNC_ls%%',
      'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_COUNT', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS',
      'GCONV_PATH', 'SSLKEYLOGFILE', 'HOME', 'SHELL', 'EDITOR', 'PAGER', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'GITHUB_TOKEN', 'TF_VAR_x',
      'NPM_CONFIG_REGISTRY', 'GLIBC_TUNABLES', 'XDG_CONFIG_HOME', 'FARCLAW_GATEWAY_TOKEN', 'OPENCLAW_GATEWAY_TOKEN', 'farclaw_x',
    ];
    for (const name of refused) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        assert.equal(isRefusedExecEnvName(name), true, name);
        refusedWith({ OK: '1', [name]: 'x' }, new RegExp(`^env variable "${name}" is refused: it changes how programs load or run`));
      } else {
        refusedWith({ [name]: 'x' }, /is not a valid name/);
      }
    }
    for (const name of ['GIT_AUTHOR_NAME', 'PYTH', 'LANG', 'TZ', 'HOME_DIR', 'MY_PATH', 'ENVIRONMENT']) assert.equal(isRefusedExecEnvName(name), false, name);
  });

  it('refuses malformed names and values without echoing the value', () => {
    refusedWith({ '1ABC': 'x' }, /^env variable "1ABC" is not a valid name/);
    refusedWith({ 'A-B': 'x' }, /"A-B" is not a valid name/);
    refusedWith({ '': 'x' }, /"" is not a valid name/);
    refusedWith({ 'A=B': 'x' }, /"A=B" is not a valid name/);
    refusedWith({ N: 7 }, /^env variable "N" must have a string value$/);
    refusedWith({ N: 'a\0b' }, /"N" contains a NUL character/);
    refusedWith(['A=1'], /^env must be an object/);
    refusedWith('A=1', /^env must be an object/);
    assert.throws(() => checkExecEnv({ PATH: 'secret-value-9' }), (err: Error) => !err.message.includes('secret-value-9'));
  });

  it('bounds the number of variables and the sizes', () => {
    checkExecEnv({ V: 'x'.repeat(EXEC_ENV_MAX_VALUE_BYTES) });
    refusedWith({ V: 'x'.repeat(EXEC_ENV_MAX_VALUE_BYTES + 1) }, /^env variable "V" is 8193 bytes; at most 8192/);
    refusedWith({ V: 'é'.repeat(EXEC_ENV_MAX_VALUE_BYTES / 2 + 1) }, /"V" is 8194 bytes/);
    refusedWith({ ['N'.repeat(200)]: 'x' }, /is not a valid name .*at most 128 characters/);
    refusedWith(Object.fromEntries(Array.from({ length: EXEC_ENV_MAX_VARS + 1 }, (_, i) => [`V${i}`, 'x'])), /^env has 65 variables; at most 64/);
    refusedWith(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`V${i}`, 'x'.repeat(8000)])), /^env is larger than 32768 bytes in total/);
  });

  it('a __proto__ key stays a plain variable and pollutes nothing', () => {
    const env = checkExecEnv(JSON.parse('{"__proto__": "x", "A": "1"}'));
    assert.deepEqual(Object.entries(env ?? {}), [['__proto__', 'x'], ['A', '1']]);
    assert.equal(({} as Record<string, unknown>).A, undefined);
  });

  it('binds an approval to the env as OpenClaw does: sha256 of the name-sorted pairs, null without any', () => {
    const expected = createHash('sha256').update('[["A","1"],["b","2"]]').digest('hex');
    assert.equal(execEnvHash({ b: '2', A: '1' }), expected);
    assert.equal(execEnvHash(undefined), null);
    assert.equal(execEnvHash({}), null);
  });

  it('shows an operator the variables as shell assignments', () => {
    assert.equal(describeExecEnv({ A: 'x y', B: "it's" }), `A='x y' B='it'\\''s' `);
    assert.equal(describeExecEnv(undefined), '');
  });
});
