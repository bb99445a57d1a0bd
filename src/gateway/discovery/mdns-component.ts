import type { Component } from '../kernel/component.js';
import type { TailscaleView } from '../tailscale/tailscale-component.js';
import { MdnsAdvertiser, type AdvertisedGateway, type MdnsMode } from './mdns-advertiser.js';

/** What the `mdns` component is built from; the tailnet name is read from `tailnet` at start. */
export interface MdnsComponentDeps {
  mode: Exclude<MdnsMode, 'off'>;
  gateway: Omit<AdvertisedGateway, 'tailnetDns'>;
  env: NodeJS.ProcessEnv;
  /** The `tailscale` component's view, when one is configured: mdns then starts after it, so full mode can name the tailnet. */
  tailnet?: TailscaleView;
}

/**
 * LAN discovery as a kernel component (assistant.md 13): advertises `_openclaw-gw._tcp` at
 * start, says goodbye at stop. A failure to advertise is logged, never fatal: discovery is a
 * convenience.
 */
export function mdnsComponent(deps: MdnsComponentDeps): Component {
  let advertiser: MdnsAdvertiser | undefined;
  return {
    name: 'mdns',
    ...(deps.tailnet ? { needs: ['tailscale'] } : {}),
    async start({ logger }) {
      const tailnetDns = deps.tailnet?.info()?.dnsName;
      try {
        advertiser = await MdnsAdvertiser.start(deps.mode, { ...deps.gateway, ...(tailnetDns ? { tailnetDns } : {}) }, deps.env, logger);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'mDNS advertising failed; the gateway runs without it');
      }
    },
    async stop() {
      await advertiser?.stop();
      advertiser = undefined;
    },
  };
}
