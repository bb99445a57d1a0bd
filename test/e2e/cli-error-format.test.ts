// Issue 19.4: one error format for the whole CLI. Every failing command prints, on stderr, what
// failed on its first line, then (maybe) `Why:`, then exactly one `Fix:` line with the command
// that fixes it (src/cli/cli-error.ts); never the "[farclaw] The CLI command failed." wrapper,
// an internal class name or a stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertExit, show, stderrLine1 } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw } from '../helpers/gateway-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

type Result = Awaited<ReturnType<typeof runFarclaw>>;

function assertOneFormat(r: Result, firstLine: RegExp): void {
  assert.notEqual(r.code, 0, show(r));
  assert.match(stderrLine1(r), firstLine, show(r));
  assert.equal(r.stderr.match(/^Fix: \S.*$/gm)?.length, 1, `expected exactly one Fix: line\n${show(r)}`);
  const lines = r.stderr.trimEnd().split('\n');
  const fixAt = lines.findIndex((l) => l.startsWith('Fix: '));
  const whyAt = lines.findIndex((l) => l.startsWith('Why: '));
  if (whyAt >= 0) assert.ok(whyAt < fixAt, `Why: must come before Fix:\n${show(r)}`);
  assert.doesNotMatch(r.stderr, /\[farclaw\]|The CLI command failed|GatewayClient\w*Error|^\s+at /m, show(r));
}

describe('one failure format for every CLI command (issue 19.4)', () => {
  let h: TmpHome;
  let port: number;
  before(async () => {
    h = tmpHome();
    port = await freePort();
    h.writeConfig({ gateway: { mode: 'local', port, auth: { token: 'format-test-token' } } });
  });
  after(() => h.dispose());

  it('health against a stopped local gateway: not reachable, and the fix starts it', async () => {
    const r = await runFarclaw(['health'], h.env);
    assertExit(r, 1);
    assertOneFormat(r, new RegExp(`^Gateway not reachable at ws://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\.$`));
    assert.match(r.stderr, /^Fix: farclaw gateway run/m, show(r));
  });

  it('status --deep names the broken hop and the command that fixes it', async () => {
    const r = await runFarclaw(['status', '--deep', '--timeout', '5000'], h.env);
    assertExit(r, 1);
    assertOneFormat(r, /^Status check failed: /);
    assert.match(r.stderr, new RegExp(`^Why: the first broken hop is TCP: nothing answers at 127\\.0\\.0\\.1:${port}`, 'm'), show(r));
    assert.match(r.stderr, new RegExp(`^Fix: farclaw gateway run --port ${port}`, 'm'), show(r));
  });

  it('gateway status with contradicting options says which to drop', async () => {
    const r = await runFarclaw(['gateway', 'status', '--url', `ws://127.0.0.1:${port}`, '--port', String(port)], h.env);
    assertExit(r, 1);
    assertOneFormat(r, /^Gateway status failed: Use either --url or --port, not both\.$/);
  });

  it('a broken config file names the file and the edit (health, gateway status, status, logs)', async () => {
    const bad = tmpHome();
    try {
      bad.writeConfig({ gateway: { mode: 'local', port: 'not-a-port' } });
      for (const args of [['health'], ['gateway', 'status'], ['status'], ['logs']]) {
        const r = await runFarclaw(args, bad.env);
        assertOneFormat(r, /Invalid config /);
        assert.match(r.stderr, new RegExp(`^Fix: edit ${bad.configPath.replace(/[.]/g, '\\.')}`, 'm'), show(r));
      }
    } finally {
      bad.dispose();
    }
  });

  it('usage errors without a more specific fix point at the command\'s help', async () => {
    const r = await runFarclaw(['logs', '--limit', '0'], h.env);
    assertExit(r, 1);
    assertOneFormat(r, /^Invalid --limit: "0"/);
    assert.match(r.stderr, /^Fix: farclaw logs --help/m, show(r));
  });

  it('dashboard --open without a browser says to open the printed URL or set BROWSER, not --help', async () => {
    const r = await runFarclaw(['dashboard', '--open'], { ...h.env, BROWSER: '/nonexistent/farclaw-test-browser' });
    assertExit(r, 1);
    assert.match(r.stdout, new RegExp(`^Control UI: http://127\\.0\\.0\\.1:${port}/`, 'm'), show(r));
    assertOneFormat(r, /^Dashboard --open failed: could not start a browser \(\/nonexistent\/farclaw-test-browser\): /);
    assert.match(r.stderr, /^Fix: open the Control UI URL printed above in your browser yourself, or name your browser's command in BROWSER/m, show(r));
  });

  it('dashboard with the Control UI disabled names the key to turn it on', async () => {
    const off = tmpHome();
    try {
      off.writeConfig({ gateway: { mode: 'local', port, controlUi: { enabled: false } } });
      const r = await runFarclaw(['dashboard'], off.env);
      assertExit(r, 1);
      assertOneFormat(r, /^Dashboard failed: the Control UI is disabled \(gateway\.controlUi\.enabled is false\)$/);
      assert.match(r.stderr, /^Fix: set gateway\.controlUi\.enabled to true in .*farclaw\.json, then restart the gateway$/m, show(r));
    } finally {
      off.dispose();
    }
  });

  it('tunnel up with a malformed SSH target names the key and its form, not --help', async () => {
    const bad = tmpHome();
    try {
      bad.writeConfig({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: 'me@gate way', token: 'format-test-token' } } });
      const r = await runFarclaw(['tunnel', 'up'], bad.env);
      assertExit(r, 1);
      assertOneFormat(r, /^gateway\.remote\.sshTarget: invalid SSH target "me@gate way": contains whitespace/);
      assert.match(r.stderr, /^Fix: set gateway\.remote\.sshTarget to "user@host\[:port\]" in .*farclaw\.json$/m, show(r));
    } finally {
      bad.dispose();
    }
  });

  it('an SSH tunnel that cannot open points at the doctor, whose SSH hop names the fix, not at --help', async () => {
    const ssh = tmpHome();
    try {
      ssh.writeConfig({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: `me@127.0.0.1:${await freePort()}`, token: 'format-test-token' } } });
      const r = await runFarclaw(['health'], ssh.env);
      assertExit(r, 1);
      assertOneFormat(r, /^SSH tunnel to me@127\.0\.0\.1:\d+ failed: /);
      assert.match(r.stderr, /^Fix: farclaw doctor /m, show(r));
      // OpenSSH's own reason, at once: a refused host is not retried for the command's whole budget.
      assert.match(r.stderr, /Connection refused/, show(r));
      assert.doesNotMatch(r.stderr, /not ready within/, show(r));
    } finally {
      ssh.dispose();
    }
  });

  it('bad --timeout and --params name the accepted form', async () => {
    const t = await runFarclaw(['gateway', 'call', 'health', '--timeout', 'soon'], h.env);
    assertOneFormat(t, /^Gateway call failed: Invalid --timeout: "soon"|^Invalid --timeout: "soon"/);
    assert.match(t.stderr, /^Fix: pass a whole number of milliseconds, e\.g\. --timeout 10000$/m, show(t));
    const p = await runFarclaw(['gateway', 'call', 'health', '--params', '{nope'], h.env);
    assertOneFormat(p, /Invalid --params: not valid JSON/);
    assert.match(p.stderr, /^Fix: quote it for the shell/m, show(p));
  });
});
