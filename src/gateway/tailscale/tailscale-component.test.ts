import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { fakeTailscale } from '../../../test/helpers/fake-tailscale.js';
import { EventBus } from '../events/event-bus.js';
import type { GatewayServices } from '../rpc/context.js';
import { readExposureState } from './exposure-state.js';
import { tailscaleComponent } from './tailscale-component.js';
import { TailnetAuth } from './tailnet-auth.js';

describe('tailscale component: its read-only view', () => {
  const fake = fakeTailscale({ dnsName: 'view-host.tail1234.ts.net.' });
  const stateDir = mkdtempSync(join(tmpdir(), 'farclaw-tailscale-view-'));
  after(() => {
    fake.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });

  for (const allowTailscale of [true, false]) {
    it(`answers undefined before start and after stop, the exposure in between (allowTailscale ${allowTailscale})`, async () => {
      const component = tailscaleComponent({
        mode: 'serve', allowTailscale, grants: undefined, gatewayPort: 1, managedPort: () => 2,
        stateDir, env: fake.env({ PATH: process.env.PATH }),
      });
      assert.equal(component.info(), undefined);
      assert.equal(component.auth(), undefined);
      const bus = new EventBus();
      await component.start?.({ services: {} as GatewayServices, bus, logger: pino({ level: 'silent' }), subscribe: (l) => void bus.subscribe(l) });
      try {
        assert.equal(component.info()?.dnsName, 'view-host.tail1234.ts.net');
        assert.equal(component.info()?.url, readExposureState(stateDir)?.record.url);
        assert.equal(component.auth() instanceof TailnetAuth, allowTailscale);
      } finally {
        await component.stop?.();
      }
      assert.equal(component.info(), undefined);
      assert.equal(component.auth(), undefined);
      assert.equal(readExposureState(stateDir), undefined, 'the claim record is removed at stop');
    });
  }
});
