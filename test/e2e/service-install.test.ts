// `farclaw gateway install|uninstall|start|stop|restart` and `farclaw tunnel install|uninstall`:
// the unit and its 0600 environment file as written into a temp HOME, the credential kept out of
// the unit, the service command really starting a gateway with that env file, and clear errors
// when no service manager is reachable (FARCLAW_SERVICE_MANAGER=none, as in a container).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertExit, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'svc-0123456789abcdef0123456789';

describe('always-on services (systemd user units)', () => {
  const { defer, home } = useDisposers();
  const setup = () => {
    const h = home();
    const env = { ...h.env, FARCLAW_SERVICE_MANAGER: 'none' };
    return { h, env, unit: (name: string) => join(h.home, '.config', 'systemd', 'user', `farclaw-${name}.service`), envFile: (name: string) => join(h.stateDir, 'service', `${name}.env`) };
  };

  it('gateway install writes the unit without the credential, and a 0600 env file with it', async () => {
    const { env, unit, envFile } = setup();
    const port = await freePort();
    const r = await runFarclaw(['gateway', 'install', '--port', String(port), '--token', SECRET], env);
    assertExit(r, 0);
    assert.match(r.stdout, /^Installed farclaw-gateway\.service$/m, show(r));
    assert.match(r.stdout, /Not enabled: systemctl --user is not available/);
    const text = readFileSync(unit('gateway'), 'utf8');
    assert.match(text, new RegExp(`^ExecStart=${process.execPath.replace(/[/.]/g, '\\$&')} \\S+/bin/farclaw\\.js gateway run --port ${port}$`, 'm'));
    assert.match(text, new RegExp(`^EnvironmentFile=${envFile('gateway').replace(/[/.]/g, '\\$&')}$`, 'm'));
    assert.ok(!text.includes(SECRET), 'the token was written into the unit');
    assert.equal(statSync(envFile('gateway')).mode & 0o777, 0o600);
    assert.match(readFileSync(envFile('gateway'), 'utf8'), new RegExp(`^FARCLAW_GATEWAY_TOKEN='${SECRET}'$`, 'm'));

    // The unit's command with its env file loaded (what systemd does) runs a gateway that wants that token.
    const exec = /^ExecStart=(.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
    const gw = spawn('/bin/sh', ['-c', 'set -a; . "$0"; set +a; exec "$@"', envFile('gateway'), ...exec], { env: { ...env, FARCLAW_SERVICE_MANAGER: '' }, stdio: 'ignore' });
    defer(() => gw.kill('SIGKILL'));
    await waitFor('the service command to serve /readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 15_000);
    const call = await runFarclaw(['gateway', 'call', 'health', '--url', `ws://127.0.0.1:${port}`, '--token', SECRET], env);
    assertExit(call, 0);
  });

  it('gateway start/stop/restart explain that no service manager is reachable, or that nothing is installed', async () => {
    const { env } = setup();
    const before = await runFarclaw(['gateway', 'start'], env);
    assertExit(before, 1);
    assert.match(before.stderr, /^farclaw-gateway\.service is not installed\.\nFix: farclaw gateway install$/m, show(before));
    assertExit(await runFarclaw(['gateway', 'install'], env), 0);
    for (const action of ['start', 'stop', 'restart']) {
      const r = await runFarclaw(['gateway', action], env);
      assertExit(r, 1);
      assert.match(r.stderr, new RegExp(`^Cannot ${action} farclaw-gateway\\.service: systemctl --user is not available`, 'm'), show(r));
      assert.match(r.stderr, /^Fix: run it in the foreground instead: farclaw gateway run/m, show(r));
    }
  });

  it('gateway uninstall removes the unit and the env file', async () => {
    const { env, unit, envFile } = setup();
    assertExit(await runFarclaw(['gateway', 'install', '--token', SECRET], env), 0);
    const r = await runFarclaw(['gateway', 'uninstall'], env);
    assertExit(r, 0);
    assert.equal(existsSync(unit('gateway')), false);
    assert.equal(existsSync(envFile('gateway')), false);
    assert.match((await runFarclaw(['gateway', 'uninstall'], env)).stdout, /is not installed/);
  });

  it('tunnel install needs an SSH target and writes a unit running tunnel up --foreground', async () => {
    const { h, env, unit, envFile } = setup();
    const none = await runFarclaw(['tunnel', 'install'], env);
    assertExit(none, 1);
    assert.match(none.stderr, /No SSH target configured/);
    h.writeConfig({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: 'me@gw.example' } } });
    const r = await runFarclaw(['tunnel', 'install', '--token', SECRET], { ...env, FARCLAW_SSH_CONFIG: '/etc/farclaw/ssh_config' });
    assertExit(r, 0);
    const text = readFileSync(unit('tunnel'), 'utf8');
    assert.match(text, /^ExecStart=.* tunnel up --foreground$/m);
    assert.match(text, /^RestartPreventExitStatus=78$/m);
    assert.ok(!text.includes(SECRET));
    const vars = readFileSync(envFile('tunnel'), 'utf8');
    assert.match(vars, new RegExp(`^FARCLAW_GATEWAY_TOKEN='${SECRET}'$`, 'm'));
    assert.match(vars, /^FARCLAW_SSH_CONFIG='\/etc\/farclaw\/ssh_config'$/m);
    assertExit(await runFarclaw(['tunnel', 'uninstall'], env), 0);
    assert.equal(existsSync(unit('tunnel')), false);
  });
});
