// Issue 19 item 7: the README's test command does the whole set-up on a fresh Debian machine, and
// CI runs exactly that command. The set-up script is exercised against stand-ins for the Debian
// tools (dpkg-query, apt-get, sudo, id) on PATH, so no package is installed by the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const PACKAGES = ['openssh-server', 'openssh-client', 'iproute2', 'chromium', 'sudo', 'avahi-daemon', 'avahi-utils', 'dbus'];

/** The command lines of the README's first `sh` block after "Run the whole test suite". */
function readmeTestCommand(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('Run the whole test suite');
  assert.ok(from >= 0, 'README says how to run the whole test suite');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(block?.[1], 'a sh block follows');
  return block[1].trim();
}

/** The commands .ci/run runs (not comments, not its own step/echo helpers). */
function ciCommands(): string[] {
  return readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^(set |cd |step|SUDO|export )/.test(l) && !l.startsWith('step()'));
}

describe('the README test command (issue 19 item 7)', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A PATH dir with stand-ins that log their argv; dpkg-query reports `installed` packages. */
  function standIns(installed: string[], uid: number): { bin: string; log: string } {
    const bin = mkdtempSync(join(tmpdir(), 'farclaw-apt-'));
    dirs.push(bin);
    const log = join(bin, 'calls.log');
    const write = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    write('dpkg-query', `for p in ${installed.join(' ')}; do [ "$p" = "$3" ] && { printf installed; exit 0; }; done; exit 1`);
    write('apt-get', `echo "apt-get $*" >> "${log}"`);
    write('sudo', `echo "sudo $1" >> "${log}"; exec "$@"`);
    write('id', `echo ${uid}`);
    return { bin, log };
  }

  const runSetup = (bin: string) =>
    spawnSync('bash', [join(REPO_ROOT, 'scripts', 'setup-test-deps.sh')], { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });

  it('README names one command and .ci/run runs exactly it', () => {
    const command = readmeTestCommand();
    assert.equal(command, 'npm run test:all');
    assert.deepEqual(ciCommands(), [command]);
  });

  it('that command installs the Debian packages, then runs npm ci, then npm test', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts['test:all'], 'bash scripts/setup-test-deps.sh && npm ci && npm test');
    assert.match(pkg.scripts.test ?? '', /^npm run build && node scripts\/run-tests\.mjs$/);
  });

  it('installs the missing packages with sudo when not root', () => {
    const { bin, log } = standIns(['iproute2', 'sudo'], 1000);
    const r = runSetup(bin);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      'sudo apt-get',
      'apt-get update',
      'sudo apt-get',
      'apt-get install -y --no-install-recommends openssh-server openssh-client chromium avahi-daemon avahi-utils dbus',
    ]);
  });

  it('installs without sudo as root, and does nothing when every package is there', () => {
    const root = standIns([], 0);
    assert.equal(runSetup(root.bin).status, 0);
    assert.deepEqual(readFileSync(root.log, 'utf8').trim().split('\n'), ['apt-get update', `apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}`]);
    const all = standIns(PACKAGES, 1000);
    const r = runSetup(all.bin);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /all present/);
    assert.throws(() => readFileSync(all.log), 'no apt-get or sudo call');
  });
});
