// `farclaw doctor` (issue 19): each hop from this machine to the gateway is checked in order and
// the first broken one is named with its fix. Every hop is broken in turn against real parts: a
// gateway process, a real sshd, a TLS gateway, and a gateway on the far side of a veth pair.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pinsOf } from '../../src/infra/tls-pin.js';
import { assertExit, show, type CliResult } from '../helpers/cli-output.js';
import { approve } from '../helpers/device-session.js';
import { useDisposers } from '../helpers/disposers.js';
import { startForwardingProxy } from '../helpers/forwarding-proxy.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startLanGateway } from '../helpers/lan-gateway.js';
import { startSshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram } from '../helpers/fake-telegram.js';
import { startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';

const T = TEST_TOKEN;
/** The gateway would also report (and probe) providers named by these; the tests keep to the fake. */
const NO_ENV_PROVIDERS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' };

interface Report {
  ok: boolean;
  failedHop?: string;
  hops: { id: string; ok: boolean; detail: string; fix?: string; warnings?: string[] }[];
}

function report(r: CliResult): Report {
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor --json printed no JSON\n${show(r)}`);
  }
}

/** Asserts doctor failed at `hop` (every earlier hop passed, nothing after it ran) and returns that hop. */
function failedAt(r: CliResult, hop: string): Report['hops'][number] {
  assertExit(r, 1);
  const rep = report(r);
  assert.equal(rep.failedHop, hop, show(r));
  const last = rep.hops.at(-1);
  assert.ok(last && last.id === hop && !last.ok && last.fix, show(r));
  assert.ok(rep.hops.slice(0, -1).every((h) => h.ok), show(r));
  return last;
}

describe('farclaw doctor', () => {
  const { defer, home } = useDisposers();
  const doctor = async (env: NodeJS.ProcessEnv, prefix: readonly string[] = []) => await runFarclaw(['doctor', '--json'], env, 60_000, prefix);

  it('passes every hop against a healthy local gateway, and prints ✓ lines', async () => {
    const h = home();
    const gw = await startGateway({ home: h });
    defer(() => gw.stop());
    const r = await runFarclaw(['doctor'], h.env);
    assertExit(r, 0);
    for (const title of ['config', 'target', 'TCP', 'auth', 'scopes', 'gateway health']) assert.match(r.stdout, new RegExp(`^✓ ${title} `, 'm'), show(r));
    assert.match(r.stdout, /Every hop passed\./);
  });

  it('wrong port: fails at TCP with the command that starts a gateway there', async () => {
    const port = await freePort();
    const h = home({ gateway: { mode: 'local', port } });
    const hop = failedAt(await doctor(h.env), 'tcp');
    assert.match(hop.detail, new RegExp(`nothing answers at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.match(hop.fix ?? '', new RegExp(`^farclaw gateway run --port ${port}`));
  });

  it('config: an unknown key is a warning with a did-you-mean, a bad value stops at the config hop', async () => {
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop());
    const h = home({ gateway: { mode: 'remote', remote: { url: gw.url, token: T }, prot: 1 } });
    const ok = await doctor(h.env);
    assertExit(ok, 0);
    assert.deepEqual(report(ok).hops[0]?.warnings, ['unknown config key gateway.prot (did you mean gateway.port?)'], show(ok));
    const bad = home({ gateway: { mode: 'remote', remote: { url: gw.url, token: T }, port: 'x' } });
    const hop = failedAt(await doctor(bad.env), 'config');
    assert.match(hop.fix ?? '', /^edit .*farclaw\.json/);
  });

  it('wrong token: fails at auth and says which config key to set', async () => {
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop());
    const h = home({ gateway: { mode: 'remote', remote: { url: gw.url, token: 'not-the-token-0123456789' } } });
    const hop = failedAt(await doctor(h.env), 'auth');
    assert.match(hop.detail, /AUTH_TOKEN_MISMATCH/);
    assert.match(hop.fix ?? '', /^set gateway\.remote\.token to the gateway's token/);
  });

  it('sshd down, then a changed host key: fails at the SSH hop with the fix for each', async () => {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop());
    const h = home({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: sshd.target, sshIdentity: sshd.clientKey, remotePort: gw.port, token: T } } });
    const env = { ...h.env, FARCLAW_SSH_CONFIG: sshd.sshConfigFile };
    const up = await doctor(env);
    assertExit(up, 0);
    assert.ok(report(up).hops.some((x) => x.id === 'ssh' && x.ok), show(up));

    await sshd.stop();
    const down = failedAt(await doctor(env), 'ssh');
    assert.match(down.fix ?? '', /^start sshd on the gateway host/, down.fix);

    await sshd.start();
    await sshd.changeHostKey();
    const changed = failedAt(await doctor(env), 'ssh');
    assert.match(changed.detail, /Host key/i);
    assert.match(changed.fix ?? '', /ssh-keygen .*-R /);
  });

  it('wrong pin: fails at TLS and names the key pin the gateway really has', async () => {
    const gw = await startGateway({ args: ['--token', T], config: { gateway: { mode: 'local', tls: { enabled: true } } }, isReady: async () => true });
    defer(() => gw.stop());
    const certPath = join(gw.home.stateDir, 'gateway', 'tls', 'gateway-cert.pem');
    const { waitFor } = await import('../helpers/wait-for.js');
    const pem = await waitFor('the generated certificate', () => {
      try {
        return readFileSync(certPath);
      } catch {
        return undefined;
      }
    }, 20_000);
    const pins = pinsOf(new X509Certificate(pem));
    const url = `wss://127.0.0.1:${gw.port}`;
    const h = home({ gateway: { mode: 'remote', remote: { url, token: T, tlsFingerprint: `spki-sha256:${'00'.repeat(32)}` } } });
    await waitFor('the TLS gateway to accept', async () => (await doctor(h.env)).stdout.includes('"id": "tls"'), 20_000);
    const hop = failedAt(await doctor(h.env), 'tls');
    assert.match(hop.detail, /fingerprint mismatch/);
    assert.ok((hop.fix ?? '').includes(pins.spki), hop.fix);
    const fixed = home({ gateway: { mode: 'remote', remote: { url, token: T, tlsFingerprint: pins.spki } } });
    assertExit(await doctor(fixed.env), 0);
  });

  it('unpaired device, then a scope it was not approved for: fails at pairing, then at scopes, with the approve command', { timeout: 240_000 }, async () => {
    const lan = await startLanGateway();
    defer(() => lan.dispose());
    const h = home({ gateway: { mode: 'remote', remote: { url: lan.remoteUrl, token: T } } });
    const prefix = lan.pair.client.prefix;
    const unpaired = failedAt(await doctor(h.env, prefix), 'pairing');
    const requestId = /farclaw devices approve (\S+)/.exec(unpaired.fix ?? '')?.[1];
    assert.ok(requestId && requestId !== '--latest', unpaired.fix);
    assert.match(unpaired.fix ?? '', /^on the gateway host: farclaw devices approve /);

    // Pair the device for operator.pairing only (what `devices list` asks), not operator.read.
    const list = await runFarclaw(['devices', 'list'], h.env, 60_000, prefix);
    const listRequest = /devices approve (\S+)/.exec(list.stderr)?.[1];
    assert.ok(listRequest, show(list));
    const res = await approve(lan.local, listRequest);
    assert.equal(res.ok, true, JSON.stringify(res));
    const scoped = failedAt(await doctor(h.env, prefix), 'scopes');
    assert.match(scoped.detail, /operator\.read is not approved/);
    assert.match(scoped.fix ?? '', /^on the gateway host: farclaw devices approve \S+/);
  });

  it('a channel that cannot do its job fails the channels hop with the reason and the fix; a working one passes', async () => {
    const fake = await startFakeTelegram();
    defer(() => fake.close());
    const broken = await startTelegramGateway(fake, { telegram: { botToken: '123456:not-the-bot-token' } });
    defer(() => broken.stop());
    await waitFor('the channel to report the refused token', async () => ((await telegramStatus(broken))?.problem ? true : false), 60_000);
    const hop = failedAt(await doctor(broken.home.env), 'channels');
    assert.match(hop.detail, /^Telegram default is \w+: Telegram refused the bot token/, hop.detail);
    assert.match(hop.fix ?? '', /fix channels\.telegram .*farclaw channels status$/);

    const working = await startTelegramGateway(fake);
    defer(() => working.stop());
    await waitFor('the channel to poll', async () => (await telegramStatus(working))?.state === 'polling', 60_000);
    const ok = await doctor(working.home.env);
    assertExit(ok, 0);
    const channels = report(ok).hops.find((x) => x.id === 'channels');
    assert.equal(channels?.detail, 'Telegram default polling', show(ok));
  });

  it('model providers: a reachable provider with its key passes, a stopped one and an unset key variable fail with the fix', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const KEY = 'fake-provider-key-0123456789';
    const config = {
      gateway: { mode: 'local' },
      models: { providers: { fake: { baseUrl: fake.baseUrl, apiKey: { source: 'env', id: 'FARCLAW_TEST_MODEL_KEY' }, models: [{ id: 'fake-model' }] } } },
      agents: { defaults: { model: { primary: 'fake/fake-model' } } },
    };
    const h = home(config);
    const gw = await startGateway({ home: h, env: { ...NO_ENV_PROVIDERS, FARCLAW_TEST_MODEL_KEY: KEY } });
    defer(() => gw.stop());
    const up = await doctor(h.env);
    assertExit(up, 0);
    const models = report(up).hops.find((x) => x.id === 'models');
    assert.equal(models?.detail, 'fake key from FARCLAW_TEST_MODEL_KEY, answers (HTTP 200)', show(up));
    assert.doesNotMatch(up.stdout, new RegExp(KEY), 'the key never leaves the gateway');

    await fake.close();
    const down = failedAt(await doctor(h.env), 'models');
    assert.match(down.detail, /^fake at http:\/\/127\.0\.0\.1:\d+\/v1 does not answer \(ECONNREFUSED\)$/, down.detail);
    assert.match(down.fix ?? '', /models\.providers\.fake\.baseUrl .*curl http:\/\/127\.0\.0\.1:\d+\/v1\/models$/, down.fix);

    const noKey = home(config);
    const keyless = await startGateway({ home: noKey, env: NO_ENV_PROVIDERS });
    defer(() => keyless.stop());
    const missing = failedAt(await doctor(noKey.env), 'models');
    assert.match(missing.detail, /^fake has no API key: .*FARCLAW_TEST_MODEL_KEY, which is not set$/, missing.detail);
    assert.match(missing.fix ?? '', /^set FARCLAW_TEST_MODEL_KEY in the gateway's environment, then restart the gateway/, missing.fix);
  });

  it('model providers: a key the provider refuses (HTTP 401) fails with the key to set', async () => {
    // A provider endpoint that refuses every key, as OpenAI's /v1/models does for a revoked one.
    const refusing = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"Incorrect API key provided"}}');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => refusing.close(resolve)));
    const baseUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
    const h = home({ gateway: { mode: 'local' }, models: { providers: { acme: { baseUrl, apiKey: 'sk-revoked-0123456789' } } } });
    const gw = await startGateway({ home: h, env: NO_ENV_PROVIDERS });
    defer(() => gw.stop());
    const r = await doctor(h.env);
    const hop = failedAt(r, 'models');
    assert.equal(hop.detail, `acme at ${baseUrl}: the provider refused the API key (HTTP 401)`, show(r));
    assert.match(hop.fix ?? '', /^set models\.providers\.acme\.apiKey in the gateway's farclaw\.json/, hop.fix);
    assert.doesNotMatch(r.stdout, /sk-revoked/, 'the key never leaves the gateway');
  });

  it('model providers: none configured passes with a warning that says what to set', async () => {
    const h = home();
    const gw = await startGateway({ home: h, env: NO_ENV_PROVIDERS });
    defer(() => gw.stop());
    const r = await doctor(h.env);
    assertExit(r, 0);
    const models = report(r).hops.find((x) => x.id === 'models');
    assert.equal(models?.detail, 'none configured', show(r));
    assert.match(models?.warnings?.[0] ?? '', /OPENAI_API_KEY/, show(r));
  });

  it('DNS: a gateway host name that does not resolve fails at the DNS hop with the key to check', async () => {
    const h = home({ gateway: { mode: 'remote', remote: { url: 'wss://gateway.farclaw-test.invalid:18789', token: T } } });
    // In a network namespace of its own nothing is reachable, so the lookup fails without
    // sending a query off this machine.
    const hop = failedAt(await doctor(h.env, ['unshare', '--net', '--']), 'dns');
    assert.match(hop.detail, /^gateway\.farclaw-test\.invalid does not resolve \(\w+\)$/, hop.detail);
    assert.match(hop.fix ?? '', /gateway\.remote\.url/);
  });

  it('proxy: an untrusted proxy in front of the gateway fails at auth naming gateway.trustedProxies', async () => {
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop());
    const proxy = await startForwardingProxy(gw.port);
    defer(() => proxy.close());
    const h = home({ gateway: { mode: 'remote', remote: { url: proxy.url, token: T } } });
    const hop = failedAt(await doctor(h.env), 'auth');
    assert.match(hop.detail, /^the gateway refused the WebSocket upgrade: /, hop.detail);
    assert.match(hop.fix ?? '', /gateway\.trustedProxies/);
  });

  it('rate limited: after failed attempts the auth hop says so, for how long, and to fix the token first', async () => {
    const port = await freePort();
    const gw = await startGateway({ port, config: { gateway: { mode: 'local', port, auth: { mode: 'token', token: T, rateLimit: { maxAttempts: 2, exemptLoopback: false } } } } });
    defer(() => gw.stop());
    const h = home({ gateway: { mode: 'remote', remote: { url: gw.url, token: 'not-the-token' } } });
    let hop = failedAt(await doctor(h.env), 'auth');
    for (let i = 0; i < 4 && !/rate limited/.test(hop.detail); i++) hop = failedAt(await doctor(h.env), 'auth');
    assert.match(hop.detail, /rate limited/, hop.detail);
    assert.match(hop.fix ?? '', /gateway\.remote\.token/);
  });
});

