import { createHash } from 'node:crypto';
import { ConfigError, resolveSecret } from '../../infra/config.js';
import type { FarclawConfig, ProviderConfig } from '../../infra/config-schema.js';
import { ModelsAuthStatusParamsSchema, type ModelsAuthStatus, type ProviderAuthStatus, type ProviderProbe } from '../../protocol/schema/models.js';
import { defineMethod } from '../rpc/dispatcher.js';

const PROBE_TIMEOUT_MS = 3000;
/**
 * At most this many probes of one provider (API, URL and key) start per window; past that,
 * callers get the latest answer, so a read-scoped client cannot make the gateway hammer a
 * provider with its key, while a person re-running the doctor after a fix still gets fresh ones.
 */
export const PROBE_BURST = 6;
export const PROBE_WINDOW_MS = 60_000;
const ANTHROPIC_URL = 'https://api.anthropic.com/v1';
const OPENAI_URL = 'https://api.openai.com/v1';

/** One provider the agent could use, with its key resolved (held here only to probe). */
interface ProviderView {
  status: ProviderAuthStatus;
  api: 'openai' | 'anthropic';
  url: string | undefined;
  key: string | undefined;
}

const isLoopbackHost = (url: string): boolean => {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.startsWith('127.') || host === '::1';
  } catch {
    return false;
  }
};

/** The URL as we may show it: origin and path, no user info, query or fragment. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

const entry = (provider: string, status: ProviderAuthStatus['status'], extra: Partial<ProviderAuthStatus>): ProviderAuthStatus => ({
  provider, authProvider: provider, displayName: provider, status, profiles: [], ...extra,
});

/** A `models.providers.<id>` entry: its key from config or an env reference, `missing` when a remote one has none. */
function fromConfig(id: string, p: ProviderConfig, env: NodeJS.ProcessEnv): ProviderView {
  const api = p.api === 'anthropic-messages' ? 'anthropic' : 'openai';
  const url = p.baseUrl ?? (api === 'anthropic' ? ANTHROPIC_URL : undefined);
  const envVar = typeof p.apiKey === 'object' && p.apiKey.source === 'env' ? p.apiKey.id : undefined;
  const source = { source: envVar ? ('env' as const) : ('config' as const), ...(envVar ? { envVar } : {}) };
  const shown = url ? { baseUrl: shownUrl(url) } : {};
  let key: string | undefined;
  try {
    key = resolveSecret(p.apiKey, `models.providers.${id}.apiKey`, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { status: entry(id, 'missing', { apiKey: source, ...shown, problem: err.message }), api, url, key: undefined };
  }
  if (key !== undefined) return { status: entry(id, 'static', { apiKey: source, ...shown }), api, url, key };
  // Local servers (Ollama, LM Studio) take no key; a remote provider without one refuses every run.
  if (url && isLoopbackHost(url)) return { status: entry(id, 'static', shown), api, url, key };
  return { status: entry(id, 'missing', { ...shown, problem: `models.providers.${id}.apiKey is not set` }), api, url, key };
}

/** The providers a run could use: `models.providers.*`, then OPENAI_API_KEY / ANTHROPIC_API_KEY not shadowed by config. */
export function listProviders(config: FarclawConfig, env: NodeJS.ProcessEnv): ProviderView[] {
  const configured = config.models?.providers ?? {};
  const out = Object.entries(configured).map(([id, p]) => fromConfig(id, p, env));
  const fromEnv = [
    ['openai', 'OPENAI_API_KEY', env.OPENAI_BASE_URL || OPENAI_URL],
    ['anthropic', 'ANTHROPIC_API_KEY', env.ANTHROPIC_BASE_URL || ANTHROPIC_URL],
  ] as const;
  for (const [id, envVar, url] of fromEnv) {
    const key = env[envVar];
    if (!key || configured[id]) continue;
    out.push({ status: entry(id, 'static', { apiKey: { source: 'env', envVar }, baseUrl: shownUrl(url) }), api: id, url, key });
  }
  return out;
}

/** GET `<baseUrl>/models` with the key: any answer but 401/403 proves the provider is there and takes the key. */
async function probeProvider(p: ProviderView): Promise<ProviderProbe> {
  const started = Date.now();
  if (!p.url) return { ok: false, error: 'no baseUrl is set', latencyMs: 0 };
  const headers: Record<string, string> =
    p.api === 'anthropic'
      ? { 'anthropic-version': '2023-06-01', ...(p.key ? { 'x-api-key': p.key } : {}) }
      : p.key ? { authorization: `Bearer ${p.key}` } : {};
  try {
    const res = await fetch(`${p.url.replace(/\/$/, '')}/models`, { headers, redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    const latencyMs = Date.now() - started;
    if (res.status === 401 || res.status === 403) return { ok: false, httpStatus: res.status, error: `the provider refused the API key (HTTP ${res.status})`, latencyMs };
    return { ok: true, httpStatus: res.status, latencyMs };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const timedOut = (err as Error).name === 'TimeoutError';
    return { ok: false, error: timedOut ? `no answer within ${PROBE_TIMEOUT_MS} ms` : (cause?.code ?? 'network error'), latencyMs: Date.now() - started };
  }
}

interface ProbeRecord {
  startsMs: number[];
  latest: Promise<ProviderProbe>;
  inFlight: boolean;
}
const probes = new Map<string, ProbeRecord>();

/** Probes a provider within PROBE_BURST per PROBE_WINDOW_MS; callers that overlap share one request. */
export function probeOnce(p: ProviderView, nowMs = Date.now()): Promise<ProviderProbe> {
  const keyHash = p.key === undefined ? '' : createHash('sha256').update(p.key).digest('hex');
  const id = `${p.api}\0${p.url ?? ''}\0${keyHash}`;
  for (const [other, rec] of probes) {
    rec.startsMs = rec.startsMs.filter((t) => nowMs - t < PROBE_WINDOW_MS);
    if (other !== id && rec.startsMs.length === 0 && !rec.inFlight) probes.delete(other);
  }
  const rec = probes.get(id);
  if (rec && (rec.inFlight || rec.startsMs.length >= PROBE_BURST)) return rec.latest;
  const next: ProbeRecord = { startsMs: [...(rec?.startsMs ?? []), nowMs], latest: probeProvider(p), inFlight: true };
  void next.latest.finally(() => (next.inFlight = false));
  probes.set(id, next);
  return next.latest;
}

/**
 * `models.authStatus` (operator.read): per provider a run could use, whether its credential is
 * there (and where it comes from), never the credential itself. With `probe: true` each provider
 * is also asked over HTTP, in parallel, bounded by a 3 s timeout each, at most PROBE_BURST times per provider and minute.
 */
export const handleModelsAuthStatus = defineMethod('models.authStatus', ModelsAuthStatusParamsSchema, async ({ services }, params) => {
  const providers = listProviders(services.chat.config, process.env);
  const statuses = await Promise.all(
    providers.map(async (p) => (params.probe === true && p.status.status !== 'missing' ? { ...p.status, probe: await probeOnce(p) } : p.status)),
  );
  const result: ModelsAuthStatus = { ts: Date.now(), providers: statuses, providerCapabilities: [] };
  return result;
});
