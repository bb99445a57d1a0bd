import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

/** A secret: a literal string or a reference resolved at start (`{source:"env", id:"VAR"}`). */
export const SecretSchema = Type.Union([
  Type.String(),
  Type.Object({ source: Type.String(), provider: Type.Optional(Type.String()), id: Type.String() }, { additionalProperties: false }),
]);
export type Secret = Static<typeof SecretSchema>;

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const BIND_MODES = ['loopback', 'lan', 'tailnet', 'auto', 'custom'] as const;
export const AUTH_MODES = ['none', 'token', 'password', 'trusted-proxy'] as const;
export const TAILSCALE_MODES = ['off', 'serve', 'funnel'] as const;
export const MDNS_MODES = ['off', 'minimal', 'full'] as const;
const literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>;

/** `gateway.*` keys (remote-access.md 2.1, 2.2). Unknown keys elsewhere in the file are kept. */
export const GatewayConfigSchema = Type.Object(
  {
    mode: Type.Optional(literals(['local', 'remote'] as const)),
    port: Type.Optional(Port),
    bind: Type.Optional(literals(BIND_MODES)),
    customBindHost: Type.Optional(Type.String()),
    auth: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(literals(AUTH_MODES)),
          token: Type.Optional(SecretSchema),
          password: Type.Optional(SecretSchema),
          allowTailscale: Type.Optional(Type.Boolean()),
          identityScopes: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
          // Failed-auth limiter (remote-access.md 6.3); unset keys take the defaults 10 / 60000 / 300000 / true.
          rateLimit: Type.Optional(Type.Object(
            {
              maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
              windowMs: Type.Optional(Type.Integer({ minimum: 1 })),
              lockoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
              exemptLoopback: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: true },
          )),
          trustedProxy: Type.Optional(Type.Object({}, { additionalProperties: true })),
          // Tailnet grants (issue 18, beyond OpenClaw): a login, `group:<name>` or `tag:<name>` ->
          // the operator scopes a verified tailnet identity may have; groups are listed here
          // because `tailscale whois` does not report ACL groups.
          tailscale: Type.Optional(Type.Object(
            {
              grants: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
              groups: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
            },
            { additionalProperties: true },
          )),
        },
        { additionalProperties: true },
      ),
    ),
    trustedProxies: Type.Optional(Type.Array(Type.String())),
    allowRealIpFallback: Type.Optional(Type.Boolean()),
    // Managed Tailscale Serve/Funnel (assistant.md 12, remote-access.md 11).
    tailscale: Type.Optional(Type.Object(
      { mode: Type.Optional(literals(TAILSCALE_MODES)), preserveFunnel: Type.Optional(Type.Boolean()) },
      { additionalProperties: true },
    )),
    tls: Type.Optional(Type.Object({}, { additionalProperties: true })),
    controlUi: Type.Optional(Type.Object({}, { additionalProperties: true })),
    publicOrigin: Type.Optional(Type.String()),
    nodes: Type.Optional(Type.Object(
      {
        pairing: Type.Optional(Type.Object(
          // Silent approval of direct-local devices (protocol.md 6.1), default true.
          { autoApproveLocal: Type.Optional(Type.Boolean()) },
          { additionalProperties: true },
        )),
        // Node command policy (protocol.md 9.2): extra allowed commands, and commands never allowed.
        commands: Type.Optional(Type.Object(
          { allow: Type.Optional(Type.Array(Type.String())), deny: Type.Optional(Type.Array(Type.String())) },
          { additionalProperties: true },
        )),
      },
      { additionalProperties: true },
    )),
    remote: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String()),
          transport: Type.Optional(literals(['ssh', 'direct'] as const)),
          token: Type.Optional(SecretSchema),
          password: Type.Optional(SecretSchema),
          tlsFingerprint: Type.Optional(Type.String()),
          sshTarget: Type.Optional(Type.String()),
          sshIdentity: Type.Optional(Type.String()),
          remotePort: Type.Optional(Port),
          sshHostKeyPolicy: Type.Optional(literals(['strict', 'openssh'] as const)),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

/** `discovery.*` (assistant.md 13). */
export const DiscoveryConfigSchema = Type.Object(
  {
    mdns: Type.Optional(Type.Object({ mode: Type.Optional(literals(MDNS_MODES)) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

/** One model of a provider (assistant.md 9). */
const ModelEntrySchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    contextWindow: Type.Optional(Type.Integer({ minimum: 1 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    reasoning: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/** `models.providers.<id>` (assistant.md 9): a provider with no `api` speaks openai-completions. */
export const ProviderConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(Type.String()),
    apiKey: Type.Optional(SecretSchema),
    api: Type.Optional(Type.String()),
    models: Type.Optional(Type.Array(ModelEntrySchema)),
  },
  { additionalProperties: true },
);
export type ProviderConfig = Static<typeof ProviderConfigSchema>;

/** `models.*` (assistant.md 9). */
export const ModelsConfigSchema = Type.Object(
  {
    mode: Type.Optional(literals(['merge', 'replace'] as const)),
    providers: Type.Optional(Type.Record(Type.String(), ProviderConfigSchema)),
  },
  { additionalProperties: true },
);

/** `agents.defaults.*`: the model as `"<provider>/<model>"` or `{primary, fallbacks}`, and run limits. */
export const AgentsConfigSchema = Type.Object(
  {
    defaults: Type.Optional(Type.Object(
      {
        model: Type.Optional(Type.Union([
          Type.String(),
          Type.Object({ primary: Type.Optional(Type.String()), fallbacks: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: true }),
        ])),
        timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
        workspace: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    )),
  },
  { additionalProperties: true },
);

/** `session.*` (assistant.md 1.1). */
export const SessionConfigSchema = Type.Object(
  {
    scope: Type.Optional(literals(['per-sender', 'global'] as const)),
    dmScope: Type.Optional(literals(['main', 'per-peer', 'per-channel-peer', 'per-account-channel-peer'] as const)),
    mainKey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: true },
);
const SenderIds = Type.Array(Type.Union([Type.String(), Type.Number()]));

/** The keys of one Telegram account (assistant.md 10.1): the channel root and each `accounts.<id>`. */
const telegramAccountKeys = {
  enabled: Type.Optional(Type.Boolean()),
  botToken: Type.Optional(SecretSchema),
  tokenFile: Type.Optional(Type.String()),
  apiRoot: Type.Optional(Type.String()),
  dmPolicy: Type.Optional(literals(['pairing', 'allowlist', 'open', 'disabled'] as const)),
  allowFrom: Type.Optional(SenderIds),
  groupPolicy: Type.Optional(literals(['open', 'allowlist', 'disabled'] as const)),
  groupAllowFrom: Type.Optional(SenderIds),
  groups: Type.Optional(Type.Record(
    Type.String(),
    Type.Object({ requireMention: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
  )),
  textChunkLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  streaming: Type.Optional(Type.Union([
    Type.Boolean(),
    literals(['off', 'partial', 'block', 'progress'] as const),
    Type.Object({ mode: Type.Optional(literals(['off', 'partial', 'block', 'progress'] as const)) }, { additionalProperties: true }),
  ])),
  replyToMode: Type.Optional(literals(['off', 'first', 'all', 'batched'] as const)),
  webhookUrl: Type.Optional(Type.String()),
  webhookSecret: Type.Optional(SecretSchema),
  webhookPath: Type.Optional(Type.String()),
  // Backoff of polling and delivery retries (ms): first delay and cap (default 500 / 30000).
  retry: Type.Optional(Type.Object(
    { minDelayMs: Type.Optional(Type.Integer({ minimum: 1 })), maxDelayMs: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: true },
  )),
};

/** `channels.telegram.*` (assistant.md 10.1); `accounts.<id>.*` holds the same keys per account. */
export const TelegramConfigSchema = Type.Object(
  {
    ...telegramAccountKeys,
    accounts: Type.Optional(Type.Record(Type.String(), Type.Object(telegramAccountKeys, { additionalProperties: true }))),
    defaultAccount: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: true },
);
export type TelegramConfig = Static<typeof TelegramConfigSchema>;

/** `tools.exec.*` (assistant.md 8.2): where exec runs, whether it needs approval, the default node. */
export const ToolsConfigSchema = Type.Object(
  {
    exec: Type.Optional(Type.Object(
      {
        host: Type.Optional(literals(['auto', 'sandbox', 'gateway', 'node'] as const)),
        mode: Type.Optional(literals(['deny', 'allowlist', 'ask', 'full'] as const)),
        node: Type.Optional(Type.String({ minLength: 1 })),
        // Executables (names or absolute paths, matched against argv[0]) that run without approval.
        allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        // A call's default limit; 0 (or unset) is OpenClaw's 1800 s (docs/gateway/background-process.md).
        timeoutSeconds: Type.Optional(Type.Number({ minimum: 0 })),
        // Background runs on the gateway host (docs/gateway/background-process.md): the default yield
        // window, how long a finished one stays for the process tool, and the completion note.
        backgroundMs: Type.Optional(Type.Number({ minimum: 0 })),
        cleanupMs: Type.Optional(Type.Number({ minimum: 0 })),
        notifyOnExit: Type.Optional(Type.Boolean()),
        notifyOnExitEmptySuccess: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: true },
    )),
  },
  { additionalProperties: true },
);

export const ConfigSchema = Type.Object(
  {
    gateway: Type.Optional(GatewayConfigSchema),
    discovery: Type.Optional(DiscoveryConfigSchema),
    models: Type.Optional(ModelsConfigSchema),
    agents: Type.Optional(AgentsConfigSchema),
    session: Type.Optional(SessionConfigSchema),
    tools: Type.Optional(ToolsConfigSchema),
    channels: Type.Optional(Type.Object({ telegram: Type.Optional(TelegramConfigSchema) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
export type FarclawConfig = Static<typeof ConfigSchema>;
export type GatewayConfig = Static<typeof GatewayConfigSchema>;
