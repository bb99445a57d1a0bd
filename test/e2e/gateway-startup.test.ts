import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

describe('gateway run: startup, refusals and shutdown', () => {
  const disposers: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (disposers.length) await disposers.pop()?.();
  });
  const home = (): TmpHome => {
    const h = tmpHome();
    disposers.push(() => h.dispose());
    return h;
  };
  const gateway = async (opts: Parameters<typeof startGateway>[0]): Promise<RunningGateway> => {
    const gw = await startGateway(opts);
    disposers.push(() => gw.stop());
    return gw;
  };
  /** Runs `gateway run` expecting it to refuse; returns exit code and stderr. */
  const refused = async (h: TmpHome, args: string[], env: NodeJS.ProcessEnv = {}) =>
    await runFarclaw(['gateway', 'run', '--port', String(await freePort()), ...args], { ...h.env, ...env });

  it('starts with no config at all, on loopback, and the local CLI works with zero flags', async () => {
    const h = home();
    const gw = await gateway({ home: h });
    assert.match(gw.stderr(), /generated a runtime token/);
    assert.doesNotMatch(gw.stderr(), /runtime-token[^\n]*[A-Za-z0-9_-]{43}/);
    const tokenFile = join(h.stateDir, 'gateway', 'runtime-token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const call = await runFarclaw(['gateway', 'call', 'health', '--port', String(gw.port)], h.env);
    assert.equal(call.code, 0, call.stderr);
    assert.equal(JSON.parse(call.stdout).ok, true);
    // A peer without the token file (a browser, a remote client) cannot get in.
    const c = await RawClient.open(gw.url);
    const res = await c.connect(connectParams());
    assert.equal(res.error?.code, 'NOT_PAIRED');
    const wrong = await RawClient.open(gw.url);
    assert.equal((await wrong.connect(connectParams('guess'))).error?.details?.code, 'AUTH_TOKEN_MISMATCH');
  });

  it('keeps its Ed25519 identity across restarts and removes the runtime token on stop', async () => {
    const h = home();
    const first = await startGateway({ home: h });
    const read = async (gw: RunningGateway) => {
      const r = await runFarclaw(['gateway', 'call', 'gateway.identity.get', '--port', String(gw.port)], h.env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { deviceId: string; publicKey: string };
    };
    const id1 = await read(first);
    assert.match(id1.deviceId, /^[0-9a-f]{64}$/);
    assert.equal(await first.stop(), 0);
    assert.throws(() => statSync(join(h.stateDir, 'gateway', 'runtime-token')));
    const second = await gateway({ home: h });
    assert.deepEqual(await read(second), id1);
  });

  it('refuses a second gateway on the same state dir with exit 78, naming the running one\'s port and pid', async () => {
    const h = home();
    const first = await gateway({ home: h });
    const r = await refused(h, []);
    assert.equal(r.code, 78);
    assert.match(r.stderr, new RegExp(`^Gateway failed to start: a farclaw gateway is already running on port ${first.port} \\(pid ${first.proc.pid}\\)`));
    assert.match(r.stderr, /\nFix: .*farclaw health/);
  });

  it('refuses a port that is already in use with exit 1 and both lines', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    disposers.push(() => new Promise((r) => blocker.close(r)));
    const h = home();
    const r = await runFarclaw(['gateway', 'run', '--port', String(port)], h.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`another gateway instance is already listening on ws://127\\.0\\.0\\.1:${port}`));
    assert.match(r.stderr, new RegExp(`Port ${port} is already in use\\.`));
  });

  it('enforces the start guard when a config exists', async () => {
    const h = home();
    h.writeConfig({ gateway: { port: 1 } });
    let r = await refused(h, []);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /^Gateway start blocked: existing config is missing gateway\.mode\./);
    h.writeConfig({ gateway: { mode: 'remote', remote: { url: 'ws://127.0.0.1:1', token: 'x' } } });
    r = await refused(h, []);
    assert.equal(r.code, 78);
    assert.equal(r.stderr.trim(), 'Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured.');
  });

  it('reports a broken config file with its path and position, exit 78, no stack', async () => {
    const h = home();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(h.configPath, '{ gateway: { mode: "local", }\n');
    const r = await refused(h, []);
    assert.equal(r.code, 78);
    assert.match(r.stderr, new RegExp(`^Invalid config ${h.configPath.replace(/[.]/g, '\\.')} \\(line 2`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('refuses exposure without auth and binds nothing', async () => {
    const h = home();
    const port = await freePort();
    const r = await runFarclaw(['gateway', 'run', '--port', String(port), '--bind', 'lan', '--auth', 'none'], h.env);
    assert.equal(r.code, 78);
    assert.equal(r.stderr.split('\n')[0], 'Refusing to bind gateway to lan without auth.');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });

  it('rejects bad option values with exit 1', async () => {
    const h = home();
    const bind = await refused(h, ['--bind', 'bogus']);
    assert.deepEqual([bind.code, bind.stderr.trim()], [1, 'Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".']);
    const auth = await refused(h, ['--auth', 'bogus']);
    assert.deepEqual([auth.code, auth.stderr.trim()], [1, 'Invalid --auth. Use "none", "token", "password", or "trusted-proxy".']);
    const port = await runFarclaw(['gateway', 'run', '--port', 'abc'], h.env);
    assert.deepEqual([port.code, port.stderr.trim()], [1, 'Invalid --port: "abc" is not a port number (1-65535).']);
    const unknown = await runFarclaw(['gateway', 'run', '--nope'], h.env);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'farclaw does not recognize option "--nope".');
  });

  it('uses the OPENCLAW_GATEWAY_TOKEN fallback name', async () => {
    const h = home();
    const gw = await gateway({ home: h, env: { OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN } });
    const c = await RawClient.open(gw.url);
    assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true);
    c.terminate();
  });

  it('on SIGTERM answers a request in flight, then sends shutdown and closes with 1012', async () => {
    const h = home();
    const gw = await startGateway({ home: h, args: ['--token', TEST_TOKEN] });
    const c = await RawClient.open(gw.url);
    await c.connect(connectParams(TEST_TOKEN));
    c.send({ type: 'req', id: 'last', method: 'status', params: {} });
    gw.proc.kill('SIGTERM');
    const close = await c.waitClose();
    assert.deepEqual(close, { code: 1012, reason: 'service restart' });
    assert.equal(c.frames.find((f) => f.id === 'last')?.ok, true);
    const shutdown = c.frames.find((f) => f.event === 'shutdown');
    assert.deepEqual(shutdown?.payload, { reason: 'gateway stopping' });
    assert.equal(await gw.exited, 0);
    h.dispose();
  });
});
