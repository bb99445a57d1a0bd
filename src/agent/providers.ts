import type { createAnthropic } from '@ai-sdk/anthropic';
import type { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { resolveSecret } from '../infra/config.js';
import { providerFetch } from './provider-fetch.js';
import type { FarclawConfig, ProviderConfig } from '../infra/config-schema.js';

/** The provider APIs the agent loop can speak (assistant.md 9). */
export type ProviderApi = 'openai-completions' | 'anthropic-messages';

/** A model the loop can call, with what events and rows report about it. */
export interface ResolvedModel {
  provider: string;
  modelId: string;
  api: ProviderApi;
  baseUrl: string;
  contextTokens: number;
  /** Where it came from, for diagnostics. */
  source: 'config' | 'env' | 'ollama';
  /** Builds the AI SDK model (holds the API key; never logged). */
  create(): LanguageModelV3;
}

/** Why no model could be resolved; the message names exactly what to set. */
export class NoModelError extends Error {
  readonly kind = 'no_model';
}

export const DEFAULT_CONTEXT_TOKENS = 128_000;
const OPENAI_DEFAULT_MODEL = 'gpt-4.1-mini';
const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';
const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';
const OLLAMA_PROBE_MS = 500;

const NO_MODEL_MESSAGE =
  'No model provider is configured. Set agents.defaults.model.primary ("<provider>/<model>") with ' +
  'models.providers.<provider> {baseUrl, apiKey, api} in farclaw.json, or set OPENAI_API_KEY or ' +
  'ANTHROPIC_API_KEY in the gateway environment, or run Ollama on 127.0.0.1:11434.';

/** `agents.defaults.model` as a `"<provider>/<model>"` ref, when set. */
export function primaryModelRef(config: FarclawConfig): string | undefined {
  const m = config.agents?.defaults?.model;
  const ref = typeof m === 'string' ? m : m?.primary;
  return ref && ref.trim() !== '' ? ref.trim() : undefined;
}

function apiOf(provider: ProviderConfig, id: string): ProviderApi {
  const api = provider.api ?? 'openai-completions';
  if (api === 'openai-completions' || api === 'anthropic-messages') return api;
  if (api === 'ollama') return 'openai-completions';
  throw new NoModelError(`models.providers.${id}.api is "${api}"; farclaw speaks "openai-completions" and "anthropic-messages"`);
}

/** Built models by provider settings: building one costs more than a short request (schemas, clients). */
const built = new Map<string, LanguageModelV3>();

/** The AI SDK provider factories, loaded with the first run: a gateway nobody chats with never pays their memory. */
interface ProviderSdk {
  createAnthropic: typeof createAnthropic;
  createOpenAICompatible: typeof createOpenAICompatible;
}
let sdk: ProviderSdk | undefined;
let loadingSdk: Promise<ProviderSdk> | undefined;

async function loadSdk(): Promise<ProviderSdk> {
  loadingSdk ??= Promise.all([import('@ai-sdk/anthropic'), import('@ai-sdk/openai-compatible')]).then(([anthropic, openai]) => {
    sdk = { createAnthropic: anthropic.createAnthropic, createOpenAICompatible: openai.createOpenAICompatible };
    return sdk;
  });
  return await loadingSdk;
}

function build(api: ProviderApi, provider: string, baseUrl: string, apiKey: string | undefined, modelId: string): () => LanguageModelV3 {
  const key = JSON.stringify([api, provider, baseUrl, apiKey ?? '', modelId]);
  return () => {
    const cached = built.get(key);
    if (cached) return cached;
    const model = create();
    if (built.size > 64) built.clear();
    built.set(key, model);
    return model;
  };
  function create(): LanguageModelV3 {
    // resolveModel loads the SDK before it hands out a model, so only a misuse gets here.
    if (!sdk) throw new Error('the AI SDK providers are not loaded yet: get models from resolveModel()');
    if (api === 'anthropic-messages') {
      return sdk.createAnthropic({ baseURL: baseUrl, apiKey: apiKey ?? '', fetch: providerFetch })(modelId);
    }
    return sdk.createOpenAICompatible({ name: provider, baseURL: baseUrl, ...(apiKey ? { apiKey } : {}), includeUsage: true, fetch: providerFetch })(modelId);
  }
}

/** Resolves `"<provider>/<model>"` against `models.providers` (assistant.md 9). */
function fromConfig(config: FarclawConfig, ref: string, env: NodeJS.ProcessEnv): ResolvedModel {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) {
    throw new NoModelError(`agents.defaults.model.primary is "${ref}"; it must be "<provider>/<model>"`);
  }
  const providerId = ref.slice(0, slash);
  const modelId = ref.slice(slash + 1);
  const provider = config.models?.providers?.[providerId];
  if (!provider) {
    if (providerId === 'openai' || providerId === 'anthropic') {
      const fromEnv = fromEnvironment(env, providerId, modelId);
      if (fromEnv) return fromEnv;
    }
    throw new NoModelError(`agents.defaults.model.primary names provider "${providerId}", but models.providers.${providerId} is not set`);
  }
  const api = apiOf(provider, providerId);
  const baseUrl = provider.baseUrl ?? (api === 'anthropic-messages' ? 'https://api.anthropic.com/v1' : undefined);
  if (!baseUrl) throw new NoModelError(`models.providers.${providerId}.baseUrl is not set`);
  const apiKey = resolveSecret(provider.apiKey, `models.providers.${providerId}.apiKey`, env);
  const entry = provider.models?.find((m) => m.id === modelId);
  return {
    provider: providerId, modelId, api, baseUrl, source: 'config',
    contextTokens: entry?.contextWindow ?? DEFAULT_CONTEXT_TOKENS,
    create: build(api, providerId, baseUrl, apiKey, modelId),
  };
}

function fromEnvironment(env: NodeJS.ProcessEnv, only?: 'openai' | 'anthropic', modelId?: string): ResolvedModel | undefined {
  if ((only === undefined || only === 'openai') && env.OPENAI_API_KEY) {
    const baseUrl = env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
    const id = modelId ?? OPENAI_DEFAULT_MODEL;
    return { provider: 'openai', modelId: id, api: 'openai-completions', baseUrl, source: 'env', contextTokens: DEFAULT_CONTEXT_TOKENS,
      create: build('openai-completions', 'openai', baseUrl, env.OPENAI_API_KEY, id) };
  }
  if ((only === undefined || only === 'anthropic') && env.ANTHROPIC_API_KEY) {
    const baseUrl = env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com/v1';
    const id = modelId ?? ANTHROPIC_DEFAULT_MODEL;
    return { provider: 'anthropic', modelId: id, api: 'anthropic-messages', baseUrl, source: 'env', contextTokens: 200_000,
      create: build('anthropic-messages', 'anthropic', baseUrl, env.ANTHROPIC_API_KEY, id) };
  }
  return undefined;
}

/** Ollama's base URL: `OLLAMA_HOST` when it names a loopback address, else the default port. */
function ollamaUrl(env: NodeJS.ProcessEnv): string {
  const host = env.OLLAMA_HOST;
  if (!host) return OLLAMA_DEFAULT_URL;
  const url = new URL(/^https?:\/\//.test(host) ? host : `http://${host}`);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  return loopback ? url.origin : OLLAMA_DEFAULT_URL;
}

/** Asks an Ollama server on loopback for its first model; undefined when none answers. */
async function probeOllama(env: NodeJS.ProcessEnv): Promise<ResolvedModel | undefined> {
  const base = ollamaUrl(env);
  try {
    const res = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(OLLAMA_PROBE_MS) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { models?: { name?: string }[] };
    const name = body.models?.find((m) => typeof m.name === 'string')?.name;
    if (!name) return undefined;
    const baseUrl = `${base}/v1`;
    return { provider: 'ollama', modelId: name, api: 'openai-completions', baseUrl, source: 'ollama', contextTokens: DEFAULT_CONTEXT_TOKENS,
      create: build('openai-completions', 'ollama', baseUrl, undefined, name) };
  } catch {
    return undefined;
  }
}

/**
 * The model a run uses: `agents.defaults.model.primary` from config, else `OPENAI_API_KEY` /
 * `ANTHROPIC_API_KEY` from the environment, else an Ollama server on loopback.
 * @throws NoModelError naming what to set when none of these is available.
 */
export async function resolveModel(config: FarclawConfig, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedModel> {
  await loadSdk();
  const ref = primaryModelRef(config);
  if (ref) return fromConfig(config, ref, env);
  const providers = Object.keys(config.models?.providers ?? {});
  if (providers.length > 0) {
    const id = providers[0] as string;
    const first = config.models?.providers?.[id]?.models?.[0]?.id;
    if (first) return fromConfig(config, `${id}/${first}`, env);
  }
  const resolved = fromEnvironment(env) ?? (await probeOllama(env));
  if (!resolved) throw new NoModelError(NO_MODEL_MESSAGE);
  return resolved;
}

/** What hello-ok, chat.history and sessions.list report as defaults, without probing the network. */
export function describeDefaultModel(config: FarclawConfig, env: NodeJS.ProcessEnv = process.env): { provider: string; model: string; contextTokens: number } | undefined {
  const ref = primaryModelRef(config);
  if (ref && ref.includes('/')) {
    const [provider, ...rest] = ref.split('/');
    const model = rest.join('/');
    const ctx = config.models?.providers?.[provider as string]?.models?.find((m) => m.id === model)?.contextWindow;
    return { provider: provider as string, model, contextTokens: ctx ?? DEFAULT_CONTEXT_TOKENS };
  }
  const env1 = fromEnvironment(env);
  return env1 ? { provider: env1.provider, model: env1.modelId, contextTokens: env1.contextTokens } : undefined;
}
