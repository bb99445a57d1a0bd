import { RequestError } from '../../client/gateway-client.js';
import type { ModelsAuthStatus, ProviderAuthStatus } from '../../protocol/schema/models.js';
import { fail, onGatewayHost, pass, type DoctorContext, type DoctorHop } from './hop.js';

// Hops that ask the connected gateway about what it depends on; they run after `health`.

/** The fix for a provider whose key is missing or refused, where the gateway reads it. */
function keyFix(ctx: DoctorContext, p: ProviderAuthStatus): string {
  const envVar = p.apiKey?.envVar;
  const action = envVar
    ? `set ${envVar} in the gateway's environment`
    : `set models.providers.${p.provider}.apiKey in the gateway's farclaw.json (or { source: "env", id: "<VAR>" } to read it from the environment)`;
  return onGatewayHost(ctx, `${action}, then restart the gateway (farclaw gateway restart, when it runs as a service)`);
}

export const modelsHop: DoctorHop = {
  id: 'models',
  title: 'model providers',
  async run(ctx) {
    if (!ctx.client) throw new Error('unreachable: models hop without a connection');
    let answer: ModelsAuthStatus;
    try {
      answer = (await ctx.client.request('models.authStatus', { probe: true }, ctx.timeoutMs + 3_000)) as ModelsAuthStatus;
    } catch (err) {
      if (err instanceof RequestError && /unknown method/i.test(err.shape.message)) return pass('not reported by this gateway (no models.authStatus)');
      return fail(`models.authStatus failed: ${err instanceof Error ? err.message : String(err)}`, onGatewayHost(ctx, 'farclaw logs'));
    }
    const seen: string[] = [];
    for (const p of answer.providers) {
      const where = p.baseUrl ? ` at ${p.baseUrl}` : '';
      if (p.status === 'missing') return fail(`${p.provider} has no API key: ${p.problem ?? 'missing'}`, keyFix(ctx, p));
      if (p.probe && !p.probe.ok) {
        if (p.probe.httpStatus === 401 || p.probe.httpStatus === 403) return fail(`${p.provider}${where}: ${p.probe.error ?? 'key refused'}`, keyFix(ctx, p));
        return fail(
          `${p.provider}${where} does not answer (${p.probe.error ?? 'unreachable'})`,
          onGatewayHost(ctx, `check that the provider is up and models.providers.${p.provider}.baseUrl is right; try: curl ${p.baseUrl ?? '<baseUrl>'}/models`),
        );
      }
      const key = p.apiKey ? `key from ${p.apiKey.envVar ?? 'config'}` : 'no key needed (loopback)';
      seen.push(`${p.provider} ${key}${p.probe ? `, answers (HTTP ${p.probe.httpStatus ?? '?'})` : ''}`);
    }
    if (seen.length > 0) return pass(seen.join('; '));
    return pass('none configured', [
      'no model provider is configured: the assistant answers only if an Ollama server runs on the gateway host\'s loopback. ' +
        'Set models.providers.<id> {baseUrl, apiKey} and agents.defaults.model.primary in the gateway\'s farclaw.json, or OPENAI_API_KEY / ANTHROPIC_API_KEY in its environment.',
    ]);
  },
};

/** One channel account as `channels.status` reports it (the fields this hop reads). */
interface ChannelAccountView {
  accountId?: string;
  enabled?: boolean;
  configured?: boolean;
  state?: string;
  problem?: string | null;
  lastError?: string | null;
}

/** Channel states in which an account does its job (channels/channel.ts). */
const WORKING_CHANNEL_STATES = new Set(['polling', 'webhook']);

export const channelsHop: DoctorHop = {
  id: 'channels',
  title: 'channels',
  async run(ctx) {
    if (!ctx.client) throw new Error('unreachable: channels hop without a connection');
    let answer: { channelAccounts?: Record<string, ChannelAccountView[]>; channelLabels?: Record<string, string> };
    try {
      answer = (await ctx.client.request('channels.status', {}, ctx.timeoutMs)) as typeof answer;
    } catch (err) {
      return fail(`channels.status failed: ${err instanceof Error ? err.message : String(err)}`, onGatewayHost(ctx, 'farclaw logs'));
    }
    const seen: string[] = [];
    for (const [channel, accounts] of Object.entries(answer.channelAccounts ?? {})) {
      const label = answer.channelLabels?.[channel] ?? channel;
      for (const a of Array.isArray(accounts) ? accounts : []) {
        if (a.enabled === false || a.configured === false) continue;
        const name = `${label} ${a.accountId ?? 'default'}`;
        if (!WORKING_CHANNEL_STATES.has(a.state ?? '') || a.problem) {
          const why = a.problem ?? a.lastError ?? 'not running';
          return fail(`${name} is ${a.state ?? 'unknown'}: ${why}`, onGatewayHost(ctx, `fix channels.${channel} in the gateway's farclaw.json as the reason says, restart the gateway, then check with: farclaw channels status`));
        }
        seen.push(`${name} ${a.state}`);
      }
    }
    return pass(seen.length > 0 ? seen.join(', ') : 'no channel configured');
  },
};

