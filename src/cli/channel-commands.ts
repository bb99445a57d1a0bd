import type { Command } from 'commander';
import type { CallFlags } from './rpc.js';
import { runChannelsStatus, runPairingApprove, runPairingList, runPairingReject } from './commands/channels.js';

/** `farclaw pairing list|approve|reject` and `farclaw channels status` (assistant.md 10.4, issue 16). */
export function registerChannelCommands(
  program: Command,
  setExit: (code: Promise<number>) => void,
  env: NodeJS.ProcessEnv,
  callOptions: (cmd: Command) => Command,
): void {
  const pairing = program.command('pairing').description('approve or list senders of a chat channel (Telegram) waiting for access');
  callOptions(pairing.command('list [channel]').description('list pending sender pairing requests (default channel: telegram)'))
    .action((channel: string | undefined, opts: CallFlags) => setExit(runPairingList(channel, opts, env)));
  callOptions(pairing.command('approve <channelOrCode> [code]').description('approve a sender by its pairing code, e.g. `pairing approve telegram ZEVBBLZB`'))
    .action((a: string, b: string | undefined, opts: CallFlags) => setExit(runPairingApprove(a, b, opts, env)));
  callOptions(pairing.command('reject <channelOrCode> [code]').description('drop a pending pairing request without allowing its sender'))
    .action((a: string, b: string | undefined, opts: CallFlags) => setExit(runPairingReject(a, b, opts, env)));
  const channels = program.command('channels').description('chat channels of the gateway (Telegram)');
  callOptions(channels.command('status').description('state of each channel: polling, last update, backlog, last error'))
    .action((opts: CallFlags) => setExit(runChannelsStatus(opts, env)));
}
