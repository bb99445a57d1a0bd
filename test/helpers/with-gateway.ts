import { after, before } from 'node:test';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway-process.js';
import { tmpHome, type TmpHome } from './tmp-home.js';

/** One gateway shared by the tests of a `describe`; read its fields inside tests (after `before` ran). */
export interface SharedGateway {
  readonly gw: RunningGateway;
  /** The temp home the gateway runs in; its `env` reaches the gateway with the runtime token. */
  readonly home: TmpHome;
}

/**
 * Starts one gateway in a fresh temp home before the enclosing `describe`'s tests and stops it
 * (and removes the home) after them: the gateway needs seconds to be ready, so start it once per
 * file. Call it at the top of the `describe` body.
 */
export function withGateway(opts: Omit<GatewayOptions, 'home'> = {}): SharedGateway {
  let gw: RunningGateway | undefined;
  let home: TmpHome | undefined;
  before(async () => {
    home = tmpHome();
    gw = await startGateway({ ...opts, home });
  });
  after(async () => {
    await gw?.stop();
    home?.dispose();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('withGateway: the gateway is read before before() started it');
    return value;
  };
  return {
    get gw() {
      return started(gw);
    },
    get home() {
      return started(home);
    },
  };
}
