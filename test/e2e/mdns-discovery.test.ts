// mDNS discovery across a real network (assistant.md 13, issue 18): our gateway advertises
// `_openclaw-gw._tcp` with ciao in one namespace, `farclaw gateway discover` browses from the
// other end of the veth pair.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { colonHex, leafSha256 } from '../../src/infra/tls-pin.js';
import { fakeTailscale, type FakeTailscale } from '../helpers/fake-tailscale.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const HOST_LABEL = 'fcgw-mdns';

/**
 * Starts a gateway in the pair's gateway namespace, ready once it logs that mDNS advertises: its
 * /readyz may be HTTPS with a self-signed certificate, and with Tailscale mdns waits for the claim.
 */
function startAdvertising(pair: NetnsPair, home: TmpHome, config: unknown, env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  const logFile = join(home.stateDir, 'logs', 'gateway.log');
  return startGateway({
    home, config, env, spawnPrefix: pair.gateway.prefix,
    isReady: async () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('mDNS: advertising'),
  });
}

/** `farclaw gateway discover --json` run from the pair's client namespace. */
async function discoverFrom(pair: NetnsPair, home: TmpHome): Promise<{ count: number; domains: string[]; beacons: Array<Record<string, any>> }> {
  const r = await runFarclaw(['gateway', 'discover', '--json', '--timeout', '1500'], home.env, 30_000, pair.client.prefix);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { count: number; domains: string[]; beacons: Array<Record<string, any>> };
}

describe('mDNS advertising and discovery between two hosts', () => {
  let pair: NetnsPair;
  let gw: RunningGateway;
  let clientHome: TmpHome;
  let gwHome: TmpHome;

  before(async () => {
    pair = await createNetnsPair();
    clientHome = tmpHome();
    gwHome = tmpHome();
    gw = await startAdvertising(pair, gwHome,
      { gateway: { mode: 'local', bind: 'lan', auth: { token: TEST_TOKEN }, tls: { enabled: true } }, discovery: { mdns: { mode: 'full' } } },
      { FARCLAW_MDNS_HOSTNAME: HOST_LABEL });
  });
  after(async () => {
    await gw?.stop();
    await pair?.dispose();
    clientHome?.dispose();
    gwHome?.dispose();
  });

  const discover = () => discoverFrom(pair, clientHome);

  test('the other host finds the gateway with its address, port, TXT keys and TLS fingerprint', async () => {
    const found = await waitFor('the gateway to be discovered', async () => {
      const out = await discover();
      return out.count > 0 ? out : undefined;
    }, 60_000, 200);
    assert.deepEqual(found.domains, ['local.']);
    const b = found.beacons.find((x) => x.instanceName === `${HOST_LABEL} (farclaw)`);
    assert.ok(b, JSON.stringify(found));
    assert.equal(b.host, `${HOST_LABEL}.local`);
    assert.equal(b.port, gw.port);
    assert.ok(b.addresses.includes(pair.gateway.address), JSON.stringify(b.addresses));
    assert.equal(b.wsUrl, `wss://${HOST_LABEL}.local:${gw.port}`);
    const cert = new X509Certificate(readFileSync(join(gw.home.stateDir, 'gateway', 'tls', 'gateway-cert.pem')));
    assert.equal(b.gatewayTlsFingerprintSha256, colonHex(leafSha256(cert)));
    assert.equal(b.txt.role, 'gateway');
    assert.equal(b.txt.transport, 'gateway');
    assert.equal(b.txt.lanHost, `${HOST_LABEL}.local`);
    assert.equal(b.txt.gatewayPort, String(gw.port));
    assert.equal(b.txt.gatewayDirectReachable, '1');
    assert.equal(b.txt.sshPort, '22', 'full mode adds sshPort');
    const human = await runFarclaw(['gateway', 'discover', '--timeout', '1500'], clientHome.env, 30_000, pair.client.prefix);
    assert.match(human.stdout, new RegExp(`TLS fingerprint \\(sha256\\): ${colonHex(leafSha256(cert))}`));
  });

  test('a stopped gateway says goodbye: it is no longer found', async () => {
    assert.equal(await gw.stop(), 0);
    await waitFor('the gateway to disappear', async () => (await discover()).count === 0, 60_000, 200);
  });
});

describe('mDNS full mode names the tailnet of the managed Tailscale exposure', () => {
  let pair: NetnsPair;
  let gw: RunningGateway;
  let fake: FakeTailscale;
  let clientHome: TmpHome;
  let gwHome: TmpHome;

  before(async () => {
    pair = await createNetnsPair();
    clientHome = tmpHome();
    gwHome = tmpHome();
    fake = fakeTailscale({ dnsName: 'mdns-host.tail1234.ts.net.' });
    gw = await startAdvertising(pair, gwHome,
      { gateway: { mode: 'local', auth: { token: TEST_TOKEN }, tailscale: { mode: 'serve' } }, discovery: { mdns: { mode: 'full' } } },
      fake.env({ PATH: process.env.PATH, FARCLAW_MDNS_HOSTNAME: `${HOST_LABEL}-ts` }));
  });
  after(async () => {
    await gw?.stop();
    await pair?.dispose();
    fake?.dispose();
    clientHome?.dispose();
    gwHome?.dispose();
  });

  test('the beacon carries tailnetDns, read from the tailscale component once it has started', async () => {
    const found = await waitFor('the gateway to be discovered', async () =>
      (await discoverFrom(pair, clientHome)).beacons.find((x) => x.instanceName === `${HOST_LABEL}-ts (farclaw)`), 60_000, 200);
    assert.equal(found.txt.tailnetDns, 'mdns-host.tail1234.ts.net');
  });
});
