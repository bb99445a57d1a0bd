/**
 * Environment lookup: `FARCLAW_<NAME>` first, then `OPENCLAW_GATEWAY_<NAME>` for the four
 * gateway variables existing OpenClaw setups already export.
 */
const OPENCLAW_FALLBACKS = new Set(['GATEWAY_PORT', 'GATEWAY_TOKEN', 'GATEWAY_PASSWORD', 'GATEWAY_URL']);

/** Returns the variable's value, or undefined when unset or blank. */
export function readEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env[`FARCLAW_${name}`];
  if (own !== undefined && own.trim() !== '') return own;
  if (OPENCLAW_FALLBACKS.has(name)) {
    const legacy = env[`OPENCLAW_${name}`];
    if (legacy !== undefined && legacy.trim() !== '') return legacy;
  }
  return undefined;
}

/** The name a person should set, for messages (`FARCLAW_GATEWAY_TOKEN`). */
export const envName = (name: string): string => `FARCLAW_${name}`;
