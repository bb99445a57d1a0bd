import { Scope } from '../../protocol/scopes.js';
import { CliError } from '../cli-error.js';
import { callOnce, type CallFlags } from '../rpc.js';
import { renderTable } from '../table.js';

const CLIENT = { id: 'cli', mode: 'cli' } as const;
const print = (text: string): void => void process.stdout.write(text + '\n');
const printJson = (payload: unknown): void => print(JSON.stringify(payload, null, 2));
const KNOWN_CHANNELS = ['telegram'];

function channelArg(sub: string, raw: string | undefined): string {
  const channel = (raw ?? 'telegram').trim().toLowerCase();
  if (!KNOWN_CHANNELS.includes(channel)) {
    throw new CliError(`pairing ${sub} failed: unknown channel "${raw ?? ''}" (known: ${KNOWN_CHANNELS.join(', ')})`, 1);
  }
  return channel;
}

interface RequestRow {
  id?: string;
  code?: string;
  createdAt?: string;
  meta?: Record<string, string>;
}

/** `farclaw pairing list [channel]`: senders waiting for approval (assistant.md 10.4). */
export async function runPairingList(rawChannel: string | undefined, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const channel = channelArg('list', rawChannel);
  const payload = await callOnce('channels.pairing.list', { channel }, flags, CLIENT, env, { prefix: 'pairing list failed: ' });
  if (flags.json) return printJson(payload), 0;
  const requests = ((payload as { requests?: RequestRow[] }).requests ?? []);
  if (requests.length === 0) return print(`No pending ${channel} pairing requests.`), 0;
  const meta = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {}).filter(([k]) => k !== 'accountId').map(([k, v]) => `${k}=${v}`).join(', ');
  print(`Pairing requests (${requests.length})`);
  print(renderTable(['Code', `${channel}UserId`, 'Meta', 'Requested'], requests.map((r) => [r.code ?? '', r.id ?? '', meta(r.meta), r.createdAt ?? ''])));
  return 0;
}

/** `farclaw pairing approve [channel] <code>`: the sender is answered from its next message on. */
export async function runPairingApprove(first: string, second: string | undefined, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const [rawChannel, code] = second === undefined ? [undefined, first] : [first, second];
  const channel = channelArg('approve', rawChannel);
  const payload = await callOnce('channels.pairing.approve', { channel, code }, flags, CLIENT, env, {
    prefix: 'pairing approve failed: ',
    scopes: [Scope.PAIRING],
  });
  if (flags.json) return printJson(payload), 0;
  print(`Approved ${channel} sender ${(payload as { id?: string }).id ?? '?'}.`);
  return 0;
}

/** `farclaw pairing reject [channel] <code>`: drops the request; the sender stays unknown. */
export async function runPairingReject(first: string, second: string | undefined, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const [rawChannel, code] = second === undefined ? [undefined, first] : [first, second];
  const channel = channelArg('reject', rawChannel);
  const payload = await callOnce('channels.pairing.dismiss', { channel, code }, flags, CLIENT, env, { prefix: 'pairing reject failed: ' });
  if (flags.json) return printJson(payload), 0;
  print(`Rejected ${channel} sender ${(payload as { id?: string }).id ?? '?'}.`);
  return 0;
}

interface AccountRow {
  accountId?: string;
  state?: string;
  botUsername?: string | null;
  lastPollAt?: number | null;
  lastInboundAt?: number | null;
  backlog?: { inbound?: number; outbound?: number };
  lastError?: string | null;
  problem?: string | null;
}

const ago = (ms: number | null | undefined, now: number): string => (typeof ms === 'number' ? `${Math.max(0, Math.round((now - ms) / 1000))}s ago` : 'never');

/** `farclaw channels status`: each channel account's state, last poll and update, backlog and last error. */
export async function runChannelsStatus(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const payload = await callOnce('channels.status', {}, flags, CLIENT, env, { prefix: 'channels status failed: ' });
  if (flags.json) return printJson(payload), 0;
  const p = payload as { channelOrder?: string[]; channelLabels?: Record<string, string>; channelAccounts?: Record<string, AccountRow[]> };
  const order = p.channelOrder ?? [];
  if (order.length === 0) return print('No channels configured.'), 0;
  const now = Date.now();
  const rows = order.flatMap((c) => (p.channelAccounts?.[c] ?? []).map((a) => [
    `${p.channelLabels?.[c] ?? c} ${a.accountId ?? ''}${a.botUsername ? ` @${a.botUsername}` : ''}`,
    a.state ?? '?',
    ago(a.lastPollAt, now),
    ago(a.lastInboundAt, now),
    `${a.backlog?.inbound ?? 0} in / ${a.backlog?.outbound ?? 0} out`,
    a.problem ?? a.lastError ?? '',
  ]));
  print(renderTable(['Channel', 'State', 'Last poll', 'Last update', 'Backlog', 'Problem / last error'], rows));
  return 0;
}
