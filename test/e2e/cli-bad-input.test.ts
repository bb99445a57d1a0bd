// Issue 12.10: hostile or odd CLI input ends in one clear line and the right exit code, never a
// stack trace, a timer that fires at once, or a process spinning forever.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertExit, show } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw } from '../helpers/gateway-process.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { withGateway } from '../helpers/with-gateway.js';

const noStack = (text: string): void => assert.doesNotMatch(text, /^\s+at |TimeoutOverflowWarning|file:\/\//m, text);

describe('CLI input at the edges (issue 12.10)', () => {
  const shared = withGateway();

  it('a 60k-deep --params is refused with one line, exit 1, and the gateway keeps serving', async () => {
    const deep = '['.repeat(60_000) + ']'.repeat(60_000);
    const r = await runFarclaw(['gateway', 'call', 'health', '--params', deep], shared.home.env);
    assertExit(r, 1);
    assert.match(r.stderr, /Invalid --params: nested 60000 levels deep; at most 256 are accepted\./, show(r));
    noStack(r.stderr);
    assertExit(await runFarclaw(['gateway', 'call', 'health'], shared.home.env), 0);
  });

  it('--params at the depth limit still goes through to the gateway', async () => {
    const ok = '{"a":'.repeat(255) + '1' + '}'.repeat(255);
    const r = await runFarclaw(['gateway', 'call', 'health', '--params', ok], shared.home.env);
    // health takes no such key: the gateway itself answers (validation), not the CLI's guard.
    assert.doesNotMatch(r.stderr, /Invalid --params/, show(r));
    noStack(r.stderr);
  });

  it('--timeout beyond what a timer can hold is refused up front instead of firing at once', async () => {
    const r = await runFarclaw(['gateway', 'call', 'health', '--timeout', '99999999999999'], shared.home.env);
    assertExit(r, 1);
    assert.match(r.stderr, /^Invalid --timeout: "99999999999999" is more than 2147483647 ms/m, show(r));
    noStack(r.stderr);
    assertExit(await runFarclaw(['gateway', 'call', 'health', '--timeout', '2147483647'], shared.home.env), 0);
  });

  it('a read-only state dir stops gateway run with exit 78 and the fix, no stack', () => {
    const dir = join(shared.home.home, 'readonly-state');
    mkdirSync(dir);
    // Tests run as root, which ignores mode bits: a read-only bind mount in a private mount namespace.
    const script = `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"`;
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', script, dir, process.execPath, FARCLAW_BIN, 'gateway', 'run', '--port', '1'], {
      env: { ...shared.home.env, FARCLAW_STATE_DIR: dir }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(r.status, 78, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^Gateway failed to start: its state dir cannot be written\.\nWhy: .*readonly-state is not a writable directory \(EROFS: read-only file system\)\.\nFix: /m, r.stderr);
    noStack(r.stderr);
  });

  it('FARCLAW_STATE_DIR=/proc/self/fdinfo exits 78 at once instead of spinning', async () => {
    const r = await runFarclaw(['gateway', 'run', '--port', String(await freePort())], { ...shared.home.env, FARCLAW_STATE_DIR: '/proc/self/fdinfo' }, 60_000);
    assertExit(r, 78);
    assert.match(r.stderr, /^Gateway failed to start: its state dir cannot be written\./, show(r));
    noStack(r.stderr);
  });
});
