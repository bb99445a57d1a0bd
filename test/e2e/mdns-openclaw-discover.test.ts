// The real OpenClaw CLI finds farclaw on the LAN (issue 18): `openclaw gateway discover` runs
// `avahi-browse` on Linux, so the client end of a namespace pair gets its own D-Bus and
// avahi-daemon; our gateway advertises with ciao from the other end.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startNamespaceAvahi, type NamespaceAvahi } from '../helpers/avahi.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';
import { ensurePeer, runOpenclaw } from '../helpers/peer.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const HOST_LABEL = 'fcgw-openclaw';

describe('openclaw gateway discover finds farclaw', () => {
  let pair: NetnsPair;
  let avahi: NamespaceAvahi;
  let gw: RunningGateway;
  let gwHome: TmpHome;
  let clientHome: TmpHome;

  before(async () => {
    await ensurePeer();
    pair = await createNetnsPair();
    avahi = await startNamespaceAvahi(pair.client);
    gwHome = tmpHome();
    clientHome = tmpHome();
    const logFile = join(gwHome.stateDir, 'logs', 'gateway.log');
    gw = await startGateway({
      home: gwHome,
      config: { gateway: { mode: 'local', bind: 'lan', auth: { token: TEST_TOKEN } }, discovery: { mdns: { mode: 'minimal' } } },
      env: { FARCLAW_MDNS_HOSTNAME: HOST_LABEL },
      spawnPrefix: pair.gateway.prefix,
      isReady: async () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('mDNS: advertising'),
    });
  });
  after(async () => {
    await gw?.stop();
    await avahi?.stop();
    await pair?.dispose();
    gwHome?.dispose();
    clientHome?.dispose();
  });

  test('lists the farclaw gateway with its host, port, TXT keys and ws URL', async () => {
    const found = await waitFor('openclaw to discover farclaw', async () => {
      const r = await runOpenclaw(['gateway', 'discover', '--json', '--timeout', '4000'], { ...clientHome.env, ...avahi.env }, 150_000, pair.client.prefix);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { count: number; beacons: Array<Record<string, any>> };
      return out.count > 0 ? out : undefined;
    }, 300_000, 500);
    const b = found.beacons.find((x) => x.instanceName === `${HOST_LABEL} (farclaw)`);
    assert.ok(b, JSON.stringify(found));
    assert.equal(b.host, `${HOST_LABEL}.local`);
    assert.equal(b.port, gw.port);
    assert.equal(b.gatewayPort, gw.port);
    assert.equal(b.role, 'gateway');
    assert.equal(b.transport, 'gateway');
    assert.equal(b.lanHost, `${HOST_LABEL}.local`);
    assert.equal(b.wsUrl, `ws://${HOST_LABEL}.local:${gw.port}`);
  });
});
