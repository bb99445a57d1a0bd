import { ToolRefusal } from './node-target.js';

export type ExecHost = 'auto' | 'sandbox' | 'gateway' | 'node';

/**
 * Where one `exec` call runs (assistant.md 8.2, OpenClaw's target rule): the requested host
 * may differ from `tools.exec.host` only when that is `auto`; `auto` means the gateway, since
 * farclaw has no sandbox runtime.
 * @throws ToolRefusal for an override the configuration does not allow, or for `sandbox`.
 */
export function resolveExecHost(configured: ExecHost, requested: ExecHost | undefined): 'gateway' | 'node' {
  const asked = requested === 'auto' ? undefined : requested;
  if (asked && asked !== configured && configured !== 'auto') {
    throw new ToolRefusal(`exec host not allowed (requested ${asked}; configured host is ${configured}; set tools.exec.host=${asked} or auto to allow this override).`);
  }
  const selected = asked ?? configured;
  if (selected === 'sandbox') {
    throw new ToolRefusal('exec host=sandbox requires a sandbox runtime, and this gateway has none; use host=auto, gateway or node.');
  }
  return selected === 'auto' ? 'gateway' : selected;
}
