import type { Component } from '../kernel/component.js';
import { removeExposureRecord, writeExposureRecord } from './exposure-state.js';
import type { TailnetGrantConfig } from './tailnet-grants.js';
import { TailnetAuth } from './tailnet-auth.js';
import { TailscaleExposure, type TailscaleMode } from './tailscale-exposure.js';
import { WhoisCache } from './whois-cache.js';

/** What the `tailscale` component is built from. */
export interface TailscaleComponentDeps {
  mode: TailscaleMode;
  /** `gateway.auth.allowTailscale` as resolved by the plan. */
  allowTailscale: boolean;
  grants: TailnetGrantConfig | undefined;
  /** The ordinary gateway port (a legacy serve route to it is removed). */
  gatewayPort: number;
  /** The managed loopback listener, opened by the gateway before components start. */
  managedPort(): number;
  stateDir: string;
  /** Environment of the `tailscale` CLI (PATH). */
  env: NodeJS.ProcessEnv;
}

/**
 * Managed Tailscale Serve/Funnel as a kernel component (assistant.md 12): `start` runs the CLI
 * sequence and claims the managed listener, turns on tailnet identity (`services.tailscale`)
 * and records the claim for the CLI; `stop` sends the claim SIGTERM and removes the record. A
 * start failure is the StartupError of TailscaleExposure (the gateway does not start).
 */
export function tailscaleComponent(deps: TailscaleComponentDeps): Component {
  let exposure: TailscaleExposure | undefined;
  return {
    name: 'tailscale',
    async start({ services, logger }) {
      exposure = await TailscaleExposure.start({ mode: deps.mode, gatewayPort: deps.gatewayPort, managedPort: deps.managedPort(), env: deps.env, logger });
      const auth = deps.allowTailscale ? new TailnetAuth(new WhoisCache(exposure.cli), deps.grants, logger) : undefined;
      services.tailscale = { info: exposure.info, ...(auth ? { auth } : {}) };
      writeExposureRecord(deps.stateDir, exposure.info);
    },
    async stop() {
      const running = exposure;
      exposure = undefined;
      if (!running) return;
      await running.stop();
      removeExposureRecord(deps.stateDir);
    },
  };
}
