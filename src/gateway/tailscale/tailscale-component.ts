import type { Component } from '../kernel/component.js';
import { removeExposureRecord, writeExposureRecord } from './exposure-state.js';
import type { TailnetGrantConfig } from './tailnet-grants.js';
import { TailnetAuth } from './tailnet-auth.js';
import { TailscaleExposure, type ExposureInfo, type TailscaleMode } from './tailscale-exposure.js';
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
 * The managed exposure as the rest of the gateway reads it, at the time it reads it: both
 * accessors answer undefined until the component has started, and again once it has stopped.
 */
export interface TailscaleView {
  /** Where the tailnet reaches the gateway (assistant.md 12). */
  info(): ExposureInfo | undefined;
  /** The tailnet identity check, when `gateway.auth.allowTailscale` is on. */
  auth(): TailnetAuth | undefined;
}

/** The `tailscale` component, which is also the read-only view of its exposure. */
export type TailscaleComponent = Component & TailscaleView;

/**
 * Managed Tailscale Serve/Funnel as a kernel component (assistant.md 12): `start` runs the CLI
 * sequence and claims the managed listener, turns on tailnet identity (`auth()`) and records the
 * claim for the CLI; `stop` sends the claim SIGTERM and removes the record. A start failure is
 * the StartupError of TailscaleExposure (the gateway does not start).
 */
export function tailscaleComponent(deps: TailscaleComponentDeps): TailscaleComponent {
  let exposure: TailscaleExposure | undefined;
  let identity: TailnetAuth | undefined;
  return {
    name: 'tailscale',
    info: () => exposure?.info,
    auth: () => (exposure ? identity : undefined),
    async start({ logger }) {
      exposure = await TailscaleExposure.start({ mode: deps.mode, gatewayPort: deps.gatewayPort, managedPort: deps.managedPort(), env: deps.env, logger });
      identity = deps.allowTailscale ? new TailnetAuth(new WhoisCache(exposure.cli), deps.grants, logger) : undefined;
      writeExposureRecord(deps.stateDir, exposure.info);
    },
    async stop() {
      const running = exposure;
      exposure = undefined;
      identity = undefined;
      if (!running) return;
      await running.stop();
      removeExposureRecord(deps.stateDir);
    },
  };
}
