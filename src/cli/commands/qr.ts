import { resolveTarget, TargetError, type Target } from '../target.js';
import { CliError } from '../cli-error.js';
import { renderQr } from '../qr/qr-terminal.js';
import { callOnce, loadCliConfig, targetFor, type CallFlags } from '../rpc.js';

/** `farclaw qr` flags as commander hands them over (`--no-ascii` arrives as `ascii: false`). */
export interface QrFlags extends CallFlags {
  setupCodeOnly?: boolean;
  ascii?: boolean;
  publicUrl?: string;
  remote?: boolean;
}

/** What `device.pair.setupCode` answers (the fields we print). */
interface SetupCodeAnswer {
  setupCode: string;
  gatewayUrl: string;
  auth: string;
  urlSource: string;
  access?: string;
  expiresAtMs?: number;
}

const PREFIX = 'qr failed: ';
const CLIENT = { id: 'cli', mode: 'cli' } as const;

const ACCESS_NOTES: Record<string, string> = {
  limited: 'limited (a node, and an operator without admin or pairing scopes)',
  node: 'node only',
};

function usage(message: string): CliError {
  return new CliError(PREFIX + message, 1, { type: 'cli_error', message });
}

function readAnswer(payload: unknown): SetupCodeAnswer {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (typeof p.setupCode !== 'string' || typeof p.gatewayUrl !== 'string') throw usage('the gateway answered without a setup code.');
  return {
    setupCode: p.setupCode, gatewayUrl: p.gatewayUrl, auth: String(p.auth ?? 'unknown'), urlSource: String(p.urlSource ?? 'unknown'),
    ...(typeof p.access === 'string' ? { access: p.access } : {}),
    ...(typeof p.expiresAtMs === 'number' ? { expiresAtMs: p.expiresAtMs } : {}),
  };
}

/**
 * The gateway to ask: as every RPC command resolves it (its `--url` means the URL *in* the
 * code here, so it is not a target), or with `--remote` the configured `gateway.remote.url`.
 */
function qrTarget(flags: QrFlags, env: NodeJS.ProcessEnv): { target: Target; configPath: string; remoteUrl?: string } {
  const creds = { ...(flags.token !== undefined ? { token: flags.token } : {}), ...(flags.password !== undefined ? { password: flags.password } : {}) };
  if (!flags.remote) return targetFor({ ...creds, ...(flags.port !== undefined ? { port: flags.port } : {}) }, env, PREFIX);
  if (flags.port !== undefined) throw usage('use either --remote or --port, not both.');
  const { loaded, stateDir } = loadCliConfig(env);
  const remoteUrl = loaded.config.gateway?.remote?.url?.trim();
  if (!remoteUrl) throw usage(`--remote needs gateway.remote.url in ${loaded.path}.`);
  const asRemote = { ...loaded, config: { ...loaded.config, gateway: { ...loaded.config.gateway, mode: 'remote' as const } } };
  try {
    return { target: resolveTarget(creds, asRemote, env, stateDir), configPath: loaded.path, remoteUrl };
  } catch (err) {
    if (err instanceof TargetError) throw new CliError(err.type === 'cli_error' ? PREFIX + err.message : err.message, 1, { type: err.type, message: err.message });
    throw err;
  }
}

function minutesLeft(expiresAtMs: number | undefined): string {
  if (expiresAtMs === undefined) return 'soon';
  const minutes = Math.max(0, Math.round((expiresAtMs - Date.now()) / 60_000));
  return `in ${minutes} minute${minutes === 1 ? '' : 's'} (${new Date(expiresAtMs).toISOString().slice(11, 16)} UTC)`;
}

function renderHuman(a: SetupCodeAnswer, withQr: boolean): string {
  const lines = ['Pairing setup code', 'Scan it with the OpenClaw app (or paste the code) to pair a device with this gateway.', ''];
  if (withQr) lines.push(renderQr(a.setupCode), '');
  lines.push(
    `Setup code: ${a.setupCode}`,
    `Gateway:    ${a.gatewayUrl}`,
    `Auth:       ${a.auth}`,
    `Access:     ${a.access !== undefined ? (ACCESS_NOTES[a.access] ?? a.access) : 'unknown'}`,
    `Source:     ${a.urlSource}`,
    `Expires:    ${minutesLeft(a.expiresAtMs)}; works once`,
    '',
    'The code pairs the device by itself. If a device asks for more than the code grants, approve it with:',
    '  farclaw devices list',
    '  farclaw devices approve <requestId>',
  );
  return lines.join('\n');
}

/**
 * `farclaw qr`: asks the gateway for a setup code (`device.pair.setupCode`, operator.admin) and
 * prints it as a terminal QR code and as text, or only the code (`--setup-code-only`), or the
 * JSON `{setupCode, gatewayUrl, auth, urlSource, access, expiresAtMs}` (`--json`). The gateway
 * decides the URL in the code (from `--url`/`--public-url` when given) and refuses plaintext
 * ws:// to tailnet or public hosts.
 */
export async function runQr(flags: QrFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (flags.token !== undefined && flags.password !== undefined) throw usage('use either --token or --password, not both.');
  if (flags.json && flags.setupCodeOnly) throw usage('use either --json or --setup-code-only, not both.');
  const { target, configPath, remoteUrl } = qrTarget(flags, env);
  const publicUrl = flags.url ?? flags.publicUrl ?? remoteUrl;
  const params = { ...(publicUrl !== undefined ? { publicUrl } : {}), ...(flags.remote ? { preferRemoteUrl: true } : {}) };
  const callFlags: CallFlags = { ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}), ...(flags.json ? { json: true } : {}) };
  const answer = readAnswer(await callOnce('device.pair.setupCode', params, callFlags, CLIENT, env, { prefix: PREFIX, resolved: { target, configPath } }));
  if (flags.json) {
    const { setupCode, gatewayUrl, auth, urlSource, access, expiresAtMs } = answer;
    process.stdout.write(JSON.stringify({ setupCode, gatewayUrl, auth, urlSource, access, expiresAtMs }, null, 2) + '\n');
  } else if (flags.setupCodeOnly) {
    process.stdout.write(answer.setupCode + '\n');
  } else {
    process.stdout.write(renderHuman(answer, flags.ascii !== false) + '\n');
  }
  return 0;
}
