import { Type } from '@sinclair/typebox';

/**
 * `models.authStatus` params: the Control UI sends `{agentId}` (control-ui-boot.json). `probe` is
 * farclaw's: also ask each provider over HTTP whether it answers and takes the key (the doctor).
 */
export const ModelsAuthStatusParamsSchema = Type.Object(
  {
    agentId: Type.Optional(Type.String({ maxLength: 128 })),
    refresh: Type.Optional(Type.Boolean()),
    probe: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** What a reachability probe saw; never carries the key or the provider's answer body. */
export interface ProviderProbe {
  ok: boolean;
  /** The HTTP status the provider answered with, when it answered. */
  httpStatus?: number;
  /** Why it is not ok: the network error code, or what the status means. */
  error?: string;
  latencyMs: number;
}

/** One provider as `models.authStatus` reports it (the real shape, plus farclaw's `baseUrl`, `problem`, `probe`). */
export interface ProviderAuthStatus {
  provider: string;
  authProvider: string;
  displayName: string;
  /** `static`: an API key is there; `missing`: the provider needs one and has none. */
  status: 'static' | 'missing';
  profiles: never[];
  /** Where the key comes from (never the key). */
  apiKey?: { source: 'config' | 'env'; envVar?: string };
  /** The provider's base URL without credentials or query. */
  baseUrl?: string;
  /** For `missing`: what exactly is missing, naming the config key or environment variable. */
  problem?: string;
  probe?: ProviderProbe;
}

/** The `models.authStatus` result (control-ui-boot.json); `providerCapabilities` is empty: farclaw has no login flows. */
export interface ModelsAuthStatus {
  ts: number;
  providers: ProviderAuthStatus[];
  providerCapabilities: unknown[];
}
