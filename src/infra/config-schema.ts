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
        },
        { additionalProperties: true },
      ),
    ),
    trustedProxies: Type.Optional(Type.Array(Type.String())),
    allowRealIpFallback: Type.Optional(Type.Boolean()),
    tailscale: Type.Optional(Type.Object({}, { additionalProperties: true })),
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

export const ConfigSchema = Type.Object(
  { gateway: Type.Optional(GatewayConfigSchema) },
  { additionalProperties: true },
);
export type FarclawConfig = Static<typeof ConfigSchema>;
export type GatewayConfig = Static<typeof GatewayConfigSchema>;
