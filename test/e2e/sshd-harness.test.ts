// The sshd harness itself: a real sshd that accepts our client key under strict host-key
// checking, forwards ports, rejects a changed host key, and leaves no process behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runInProcessGroup } from '../helpers/process-group.js';
import { descendantPids, isRunning, sshClientArgs, startSshd, type Sshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('sshd test harness', () => {
  const { defer } = useDisposers();
  const sshd = async (): Promise<Sshd> => {
    const s = await startSshd();
    defer(() => s.dispose());
    return s;
  };
  const runSsh = async (s: Sshd, command: string[]) =>
    await runInProcessGroup('/usr/bin/ssh', [...sshClientArgs(s), ...command], { env: process.env, cwd: s.dir, timeoutMs: 15_000 });

  it('runs a command for the client key with strict host-key checking', async () => {
    const s = await sshd();
    const r = await runSsh(s, ['echo', 'harness-ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'harness-ok');
  });

  it('forwards a local port to a loopback service on the sshd host', async () => {
    const s = await sshd();
    const echo = createServer((sock) => sock.pipe(sock));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    defer(() => new Promise((r) => echo.close(r)));
    const remotePort = (echo.address() as { port: number }).port;
    const localPort = await freePort();
    const ssh = spawn('/usr/bin/ssh', ['-N', '-L', `127.0.0.1:${localPort}:127.0.0.1:${remotePort}`, ...sshClientArgs(s)], { stdio: 'ignore', detached: true });
    defer(() => ssh.pid !== undefined && isAlive(ssh.pid) && process.kill(-ssh.pid, 'SIGKILL'));
    const answer = await waitFor('an echo through the forward', async () => await new Promise<string | false>((resolve) => {
      const c = connect(localPort, '127.0.0.1', () => c.write('ping'));
      c.once('data', (d) => { c.destroy(); resolve(d.toString()); });
      c.once('error', () => resolve(false));
    }));
    assert.equal(answer, 'ping');
  });

  it('refuses a changed host key and stop() ends every session process', async () => {
    const s = await sshd();
    const ssh = spawn('/usr/bin/ssh', ['-N', ...sshClientArgs(s)], { stdio: 'ignore', detached: true });
    defer(() => ssh.pid !== undefined && isAlive(ssh.pid) && process.kill(-ssh.pid, 'SIGKILL'));
    const listenerPid = s.proc()?.pid ?? 0;
    const sessions = await waitFor('a session process under sshd', () => {
      const d = descendantPids(listenerPid);
      return d.length > 0 && d;
    });
    await s.changeHostKey();
    for (const pid of sessions) assert.equal(isRunning(pid), false, `session process ${pid} survived the sshd stop`);
    const r = await runSsh(s, ['true']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.match(r.stderr, /Host key verification failed\./);
  });
});
