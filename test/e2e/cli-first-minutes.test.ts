// Issue 19: what a new user meets in the first ten minutes. A gateway on another port is found
// by the local CLI (item 1), the file log is written as it goes and survives SIGKILL (item 5),
// `npm start` exits 0 on Ctrl-C (item 6), and no message contradicts the product (item 3).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertExit, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway } from '../helpers/gateway-process.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const logText = (stateDir: string): string => {
  try {
    return readFileSync(join(stateDir, 'logs', 'gateway.log'), 'utf8');
  } catch {
    return '';
  }
};

describe('the first ten minutes (issue 19)', () => {
  const d = useDisposers();

  it('item 1: a gateway started on another port is found by the local CLI with no flags', async () => {
    const h = d.home();
    const gw = await startGateway({ home: h });
    d.defer(() => gw.stop());
    assert.notEqual(gw.port, 18789);
    const endpoint = join(h.stateDir, 'gateway', 'runtime-endpoint.json');
    assert.equal(statSync(endpoint).mode & 0o777, 0o600);
    const health = await runFarclaw(['health', '--json'], h.env);
    assertExit(health, 0);
    assert.equal(JSON.parse(health.stdout).ok, true, show(health));
    const status = await runFarclaw(['gateway', 'status', '--json'], h.env);
    assertExit(status, 0);
    const j = JSON.parse(status.stdout) as { gateway: { port: number; portSource: string } };
    assert.deepEqual({ port: j.gateway.port, source: j.gateway.portSource }, { port: gw.port, source: 'running gateway' }, show(status));
    assert.equal(await gw.stop(), 0);
    assert.throws(() => statSync(endpoint), 'the endpoint file is removed on stop');
  });

  it('item 1: an endpoint file left by a killed gateway is ignored (its pid is gone)', async () => {
    const h = d.home();
    const gw = await startGateway({ home: h });
    await gw.stop('SIGKILL');
    const r = await runFarclaw(['gateway', 'status', '--json', '--no-probe'], h.env);
    assertExit(r, 0);
    assert.equal((JSON.parse(r.stdout) as { gateway: { port: number } }).gateway.port, 18789, show(r));
  });

  it('item 5: log lines reach the file while the gateway runs and survive SIGKILL', async () => {
    const h = d.home();
    const gw = await startGateway({ home: h });
    d.defer(() => gw.stop('SIGKILL'));
    await waitFor('the start line in gateway.log', () => /listening on ws:\/\/127\.0\.0\.1/.test(logText(h.stateDir)), 20_000);
    const call = await runFarclaw(['gateway', 'call', 'health'], h.env);
    assertExit(call, 0);
    await waitFor('the CLI connection in gateway.log', () => /client connected/.test(logText(h.stateDir)), 20_000);
    // Killed without a chance to flush: what was logged is in the file, line by whole line.
    await gw.stop('SIGKILL');
    const lines = logText(h.stateDir).trim().split('\n');
    assert.ok(lines.some((l) => /client connected/.test(l)), lines.join('\n'));
    for (const line of lines) JSON.parse(line);
  });

  it('item 6: `npm start` stopped with Ctrl-C (SIGINT to its process group) exits 0', async () => {
    const h = d.home();
    const port = await freePort();
    const npm = spawn('npm', ['start', '--', '--port', String(port)], { cwd: REPO_ROOT, env: h.env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-(npm.pid ?? 0), sig);
      } catch {
        // already gone
      }
    };
    d.defer(() => killGroup('SIGKILL'));
    let err = '';
    npm.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await waitFor('npm start to listen', () => err.includes('listening on'), 60_000);
    killGroup('SIGINT');
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, err);
    assert.match(err, /gateway stopped/);
  });

  it('item 3: `gateway run --bind lan` without a secret does not claim the default bind is auto', async () => {
    const h = d.home();
    const r = await runFarclaw(['gateway', 'run', '--port', String(await freePort()), '--bind', 'lan'], h.env);
    assertExit(r, 78);
    assert.match(r.stderr, /^Refusing to bind gateway to lan without auth\./, show(r));
    assert.doesNotMatch(r.stderr, /defaults to bind=auto/, show(r));
  });

  it('item 3: `gateway status` names the installed service and `gateway send` names no missing command', async () => {
    const h = d.home();
    const gw = await startGateway({ home: h });
    d.defer(() => gw.stop());
    const env = { ...h.env, XDG_CONFIG_HOME: join(h.home, '.config'), FARCLAW_SERVICE_MANAGER: 'none' };
    const before = await runFarclaw(['gateway', 'status', '--no-probe'], env);
    assert.match(before.stdout, /^Service: not installed \(install it with `farclaw gateway install`/m, show(before));
    assertExit(await runFarclaw(['gateway', 'install'], env), 0);
    const after = await runFarclaw(['gateway', 'status', '--no-probe'], env);
    assert.match(after.stdout, /^Service: installed \(farclaw-gateway\.service/m, show(after));
    assert.doesNotMatch(after.stdout, /no service manager yet/, show(after));
    const send = await runFarclaw(['gateway', 'send', '--to', 'x', '--message', 'hi'], h.env);
    assertExit(send, 1);
    assert.doesNotMatch(send.stderr, /channels add|channels list/, show(send));
  });
});
