import { after, before } from 'node:test';
import type { Endpoint } from './device-session.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from './gateway-process.js';
import { createNetnsPair, type NetnsPair } from './netns.js';
import { NetnsRelay } from './netns-relay.js';
import { testClock, type TestClock } from './test-clock.js';

/** Namespaces, relays, a gateway process: allow for slow starts on a loaded machine. */
const LAN_SETUP_TIMEOUT_MS = 60_000;

/** Our gateway on a real non-loopback path: `--bind lan` in the gateway end of a veth pair. */
export interface LanGateway {
  pair: NetnsPair;
  gw: RunningGateway;
  /** Relays into each namespace, so this process can open sockets from either machine. */
  inGateway: NetnsRelay;
  inClient: NetnsRelay;
  /** The gateway from its own host: loopback in its namespace, a direct-local peer. */
  local: Endpoint;
  /** `ws://<gateway address>:<port>`, the URL the other machine uses. */
  remoteUrl: string;
  /** The gateway from the other machine. */
  remote: Endpoint;
  /** Stops the gateway, closes the relays and deletes both namespaces. */
  dispose(): Promise<void>;
}

/**
 * Starts our gateway (`--bind lan --token TEST_TOKEN`) inside a fresh namespace pair and waits
 * for `/readyz` from inside. With `clock`, the gateway runs on that test clock.
 */
export async function startLanGateway(opts: { clock?: TestClock } = {}): Promise<LanGateway> {
  const pair = await createNetnsPair();
  const relays: NetnsRelay[] = [];
  try {
    const [inGateway, inClient] = await Promise.all([NetnsRelay.start(pair.gateway), NetnsRelay.start(pair.client)]);
    relays.push(inGateway, inClient);
    const gw = await startGateway({
      args: ['--bind', 'lan', '--token', TEST_TOKEN],
      spawnPrefix: pair.gateway.prefix,
      ...(opts.clock ? { nodeArgs: opts.clock.nodeArgs, env: opts.clock.env } : {}),
      isReady: async (port) => (await inGateway.httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200,
    });
    const remoteUrl = `ws://${pair.gateway.address}:${gw.port}`;
    return {
      pair, gw, inGateway, inClient, remoteUrl,
      local: { url: gw.url, via: inGateway },
      remote: { url: remoteUrl, via: inClient },
      async dispose() {
        await gw.stop();
        await Promise.all([inGateway.close(), inClient.close()]);
        await pair.dispose();
      },
    };
  } catch (err) {
    await Promise.all(relays.map((r) => r.close()));
    await pair.dispose();
    throw err;
  }
}

/**
 * For a `describe` whose tests share one LAN gateway on a test clock: registers the `before` that
 * starts both and the `after` that removes them, and returns them through getters (set once
 * `before` ran).
 */
export function useClockedLanGateway(): LanGateway & { readonly clock: TestClock } {
  let lan: LanGateway | undefined;
  let clock: TestClock | undefined;
  before(async () => {
    clock = testClock();
    lan = await startLanGateway({ clock });
  }, { timeout: LAN_SETUP_TIMEOUT_MS });
  after(async () => {
    await lan?.dispose();
    clock?.dispose();
  });
  const ready = (): LanGateway => {
    if (!lan) throw new Error('the LAN gateway is not started yet (use it inside a test)');
    return lan;
  };
  return {
    get pair() { return ready().pair; },
    get gw() { return ready().gw; },
    get inGateway() { return ready().inGateway; },
    get inClient() { return ready().inClient; },
    get local() { return ready().local; },
    get remoteUrl() { return ready().remoteUrl; },
    get remote() { return ready().remote; },
    get clock() { ready(); return clock as TestClock; },
    dispose: () => ready().dispose(),
  };
}
