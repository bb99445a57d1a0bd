/** The part of a gateway's `config.get` answer `gateway probe --json` reports per target. */
export interface GatewayConfigSummary {
  path: string | null;
  exists: boolean;
  valid: boolean;
  issues: { path: string; message: string }[];
  legacyIssues: { path: string; message: string }[];
  gateway: {
    mode: string | null;
    bind: string | null;
    port: number | null;
    controlUiEnabled: boolean | null;
    controlUiBasePath: string | null;
    authMode: string | null;
    authTokenConfigured: boolean;
    authPasswordConfigured: boolean;
    remoteUrl: string | null;
    remoteTokenConfigured: boolean;
    remotePasswordConfigured: boolean;
    tailscaleMode: string | null;
  };
  discovery: { wideAreaEnabled: boolean | null };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
/** A secret counts as configured when it is a non-empty string (redacted or not) or a SecretRef. */
const configured = (v: unknown): boolean => (typeof v === 'string' ? v.trim() !== '' : typeof v === 'object' && v !== null);

function issues(v: unknown): { path: string; message: string }[] {
  if (!Array.isArray(v)) return [];
  return v
    .map(obj)
    .filter((i) => typeof i.path === 'string' && typeof i.message === 'string')
    .map((i) => ({ path: i.path as string, message: i.message as string }));
}

/** Reduces a `config.get` payload to the summary; tolerates any shape (missing → null/false). */
export function summarizeConfigSnapshot(snapshot: unknown): GatewayConfigSummary {
  const snap = obj(snapshot);
  const gateway = obj(obj(snap.config).gateway);
  const auth = obj(gateway.auth);
  const remote = obj(gateway.remote);
  const controlUi = obj(gateway.controlUi);
  const port = gateway.port;
  const remoteUrl = str(remote.url)?.trim() ?? null;
  return {
    path: str(snap.path),
    exists: snap.exists === true,
    valid: snap.valid === true,
    issues: issues(snap.issues),
    legacyIssues: issues(snap.legacyIssues),
    gateway: {
      mode: str(gateway.mode),
      bind: str(gateway.bind),
      port: typeof port === 'number' && Number.isInteger(port) ? port : null,
      controlUiEnabled: bool(controlUi.enabled),
      controlUiBasePath: str(controlUi.basePath),
      authMode: str(auth.mode),
      authTokenConfigured: configured(auth.token),
      authPasswordConfigured: configured(auth.password),
      remoteUrl: remoteUrl && /^wss?:\/\//.test(remoteUrl) ? remoteUrl : null,
      remoteTokenConfigured: configured(remote.token),
      remotePasswordConfigured: configured(remote.password),
      tailscaleMode: str(obj(gateway.tailscale).mode),
    },
    discovery: { wideAreaEnabled: bool(obj(obj(obj(snap.config).discovery).wideArea).enabled) },
  };
}
