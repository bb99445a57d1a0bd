import { loadDeviceIdentity } from '../../client/device-identity.js';
import { saveDeviceToken } from '../../client/device-token-store.js';
import type { Target } from '../target.js';
import { resolvePaths } from '../../infra/paths.js';
import { Scope } from '../../protocol/scopes.js';
import { CliError } from '../cli-error.js';
import { callOnce, targetFor, type CallFlags } from '../rpc.js';
import { newestPending, readDeviceList, renderApproved, renderDeviceList, renderRotated } from './devices-render.js';

/** Flags of the `devices` subcommands as commander hands them over (the shared call flags plus a few). */
export interface DevicesFlags extends CallFlags {
  /** `approve --latest`: approve the newest pending request. */
  latest?: boolean;
  /** `rotate`/`revoke --device <id>`, the real CLI's spelling of the positional device id. */
  device?: string;
  role?: string;
  /** `rotate --scope <s>` (repeatable). */
  scope?: string[];
  /** `rotate --show-token`: print a token the gateway delivered in-band. */
  showToken?: boolean;
}

type Resolved = { target: Target; configPath: string };

const CLIENT = { id: 'cli', mode: 'cli' } as const;
/**
 * The gateway's refusals of a caller without `operator.admin` (protocol.md 6.2): approving a
 * non-operator role or scopes the caller lacks, managing a token broader than its own scopes.
 */
const APPROVAL_DENIED = 'device pairing approval denied';
const ROTATION_DENIED = 'device token rotation denied';
const REVOCATION_DENIED = 'device token revocation denied';
const FULL_DEVICE_ID = /^[0-9a-f]{64}$/;
const DEVICE_ID_PREFIX = /^[0-9a-f]{8,63}$/;

const prefixOf = (sub: string): string => `devices ${sub} failed: `;

function usage(sub: string, message: string, fix?: string): CliError {
  return new CliError(prefixOf(sub) + message + (fix ? `\nFix: ${fix}` : ''), 1, { type: 'cli_error', message });
}

function print(text: string): void {
  process.stdout.write(text + '\n');
}

function printJson(payload: unknown): void {
  print(JSON.stringify(payload, null, 2));
}

async function call(sub: string, method: string, params: unknown, flags: CallFlags, env: NodeJS.ProcessEnv, resolved: Resolved): Promise<unknown> {
  return await callOnce(method, params, flags, CLIENT, env, { prefix: prefixOf(sub), resolved });
}

/**
 * Calls with `operator.pairing`; when the gateway answers `INVALID_REQUEST <denied>`, retries
 * once with `operator.pairing` + `operator.admin`, as the real CLI does for approvals (6.2).
 */
async function callWithAdminRetry(
  sub: string, method: string, params: unknown, denied: string, flags: CallFlags, env: NodeJS.ProcessEnv, resolved: Resolved,
): Promise<{ payload: unknown; usedAdmin: boolean }> {
  try {
    return { payload: await call(sub, method, params, flags, env, resolved), usedAdmin: false };
  } catch (err) {
    if (!(err instanceof CliError && err.json?.type === 'gateway_request_error' && err.json.message === denied)) throw err;
  }
  const payload = await callOnce(method, params, flags, CLIENT, env, { prefix: prefixOf(sub), resolved, scopes: [Scope.PAIRING, Scope.ADMIN] });
  return { payload, usedAdmin: true };
}

/**
 * A full device id for `arg`: a 64-hex id as is; a shorter hex prefix (8+ characters, as the
 * tables show 12) expanded when exactly one paired device has it. Anything else goes to the
 * gateway unchanged, so an unknown id gets the gateway's own `unknown deviceId`.
 */
async function resolveDeviceId(sub: string, arg: string, flags: CallFlags, env: NodeJS.ProcessEnv, resolved: Resolved): Promise<string> {
  const id = arg.trim().toLowerCase();
  if (id === '') throw usage(sub, 'a device id is required (see farclaw devices list).');
  if (FULL_DEVICE_ID.test(id) || !DEVICE_ID_PREFIX.test(id)) return arg.trim();
  const { paired } = readDeviceList(await call(sub, 'device.pair.list', {}, flags, env, resolved));
  const matches = paired.filter((d) => d.deviceId.toLowerCase().startsWith(id));
  if (matches.length > 1) throw usage(sub, `device id prefix "${arg.trim()}" matches ${matches.length} paired devices; give more characters.`);
  return matches[0]?.deviceId ?? arg.trim();
}

/** The device id of `rotate`/`revoke`: the positional one or `--device`, not two different ones. */
function deviceArg(sub: string, positional: string | undefined, flags: DevicesFlags): string {
  if (positional !== undefined && flags.device !== undefined && positional !== flags.device) {
    throw usage(sub, 'give the device id once: either as an argument or with --device.');
  }
  const id = positional ?? flags.device;
  if (id === undefined) throw usage(sub, `a device id is required: farclaw devices ${sub} <deviceId> --role <role>.`);
  return id;
}

/** `farclaw devices list`: the Pending and Paired tables, or the `device.pair.list` payload with --json. */
export async function runDevicesList(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('list'));
  const payload = await call('list', 'device.pair.list', {}, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(renderDeviceList(payload, Date.now()));
  return 0;
}

/**
 * `farclaw devices approve <requestId> | --latest`. Asks for `operator.pairing` first; when the
 * gateway answers `device pairing approval denied` (a non-operator role, or scopes beyond
 * `operator.pairing`, need `operator.admin`), retries once with `operator.admin` as well, as the
 * real CLI does (protocol.md 6.2).
 */
export async function runDevicesApprove(requestId: string | undefined, flags: DevicesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'approve';
  if (requestId !== undefined && flags.latest) throw usage(sub, 'use either <requestId> or --latest, not both.');
  if (requestId === undefined && !flags.latest) throw usage(sub, 'give a <requestId> (see farclaw devices list) or --latest.');
  const resolved = targetFor(flags, env, prefixOf(sub));
  let id = requestId?.trim() ?? '';
  if (flags.latest) {
    const latest = newestPending(readDeviceList(await call(sub, 'device.pair.list', {}, flags, env, resolved)).pending);
    if (!latest) throw usage(sub, 'no pending pairing request to approve.', 'a device asks for approval when it first connects: connect it, then run farclaw devices list');
    id = latest.requestId;
  }
  if (id === '') throw usage(sub, 'the requestId is empty.');
  const { payload, usedAdmin } = await callWithAdminRetry(sub, 'device.pair.approve', { requestId: id }, APPROVAL_DENIED, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(renderApproved(payload, id) + (usedAdmin ? ' · needed operator.admin' : ''));
  return 0;
}

/** `farclaw devices reject <requestId>`: drops a pending request. */
export async function runDevicesReject(requestId: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('reject'));
  const payload = (await call('reject', 'device.pair.reject', { requestId: requestId.trim() }, flags, env, resolved)) as { deviceId?: unknown };
  if (flags.json) printJson(payload);
  else print(`Rejected request ${requestId.trim()}${typeof payload?.deviceId === 'string' ? ` (device ${payload.deviceId})` : ''}.`);
  return 0;
}

/** `farclaw devices remove <deviceId>`: forgets a paired device; the gateway closes its sessions (4001). */
export async function runDevicesRemove(deviceId: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('remove'));
  const id = await resolveDeviceId('remove', deviceId, flags, env, resolved);
  const payload = await call('remove', 'device.pair.remove', { deviceId: id }, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(`Removed device ${id}.`);
  return 0;
}

/** `farclaw devices rename <deviceId> <name>`: sets the operator label (at most 64 characters). */
export async function runDevicesRename(deviceId: string, name: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('rename'));
  const id = await resolveDeviceId('rename', deviceId, flags, env, resolved);
  const payload = (await call('rename', 'device.pair.rename', { deviceId: id, label: name }, flags, env, resolved)) as { label?: unknown };
  if (flags.json) printJson(payload);
  else print(`Renamed device ${id} to "${typeof payload?.label === 'string' ? payload.label : name.trim()}".`);
  return 0;
}

/**
 * `farclaw devices rotate <deviceId> --role <role> [--scope <s>…]`, with the same `operator.admin`
 * retry as `approve` (a token broader than the caller's scopes needs it). A token the gateway hands
 * back in-band (this CLI rotated its own device's token) is stored for this CLI's next connect
 * and printed only with --json or --show-token.
 */
export async function runDevicesRotate(deviceId: string | undefined, flags: DevicesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'rotate';
  const arg = deviceArg(sub, deviceId, flags);
  const role = flags.role?.trim() ?? '';
  if (role === '') throw usage(sub, '--role <role> is required.');
  const resolved = targetFor(flags, env, prefixOf(sub));
  const id = await resolveDeviceId(sub, arg, flags, env, resolved);
  const params = { deviceId: id, role, ...(flags.scope !== undefined ? { scopes: flags.scope } : {}) };
  const { payload } = await callWithAdminRetry(sub, 'device.token.rotate', params, ROTATION_DENIED, flags, env, resolved);
  keepOwnToken(payload, resolved.target.url, env);
  if (flags.json) printJson(payload);
  else print(renderRotated(payload, flags.showToken === true));
  return 0;
}

/**
 * Stores a `device.token.rotate` token delivered in-band when it belongs to this CLI's own
 * device: it replaces the token stored for (gateway, device, role), which no longer works
 * (protocol.md 6.3). Anything else is left alone.
 * @param url the gateway URL the rotation went to (tokens are stored per gateway origin)
 */
export function keepOwnToken(payload: unknown, url: string, env: NodeJS.ProcessEnv): void {
  const p = (payload ?? {}) as { deviceId?: unknown; role?: unknown; token?: unknown; scopes?: unknown; rotatedAtMs?: unknown };
  if (typeof p.token !== 'string' || typeof p.deviceId !== 'string' || typeof p.role !== 'string') return;
  const { stateDir } = resolvePaths(env);
  if (loadDeviceIdentity(stateDir)?.deviceId !== p.deviceId) return;
  const scopes = Array.isArray(p.scopes) ? p.scopes.filter((s): s is string => typeof s === 'string') : [];
  saveDeviceToken(stateDir, url, p.deviceId, p.role, { token: p.token, scopes, issuedAtMs: typeof p.rotatedAtMs === 'number' ? p.rotatedAtMs : Date.now() });
}

/**
 * `farclaw devices revoke <deviceId> --role <role>`: the token stops working, its sessions close
 * (4001). Same `operator.admin` retry as `rotate`.
 */
export async function runDevicesRevoke(deviceId: string | undefined, flags: DevicesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'revoke';
  const arg = deviceArg(sub, deviceId, flags);
  const role = flags.role?.trim() ?? '';
  if (role === '') throw usage(sub, '--role <role> is required.');
  const resolved = targetFor(flags, env, prefixOf(sub));
  const id = await resolveDeviceId(sub, arg, flags, env, resolved);
  const { payload } = await callWithAdminRetry(sub, 'device.token.revoke', { deviceId: id, role }, REVOCATION_DENIED, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(`Revoked the ${role} token of device ${id}.`);
  return 0;
}
