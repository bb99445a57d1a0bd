import { runAgentCommand, type AgentRunFlags } from './commands/agent.js';
import { runChatCommand, type ChatFlags } from './commands/chat.js';
import { runSessionsAction, runSessionsHistory, runSessionsList } from './commands/sessions.js';
import type { Command } from 'commander';
import { runGatewayCall, runGatewayHealth } from './commands/gateway-call.js';
import { runDashboard, type DashboardFlags } from './commands/dashboard.js';
import { runHealth } from './commands/health.js';
import type { CallFlags } from './rpc.js';
import { addGatewayCommand, addGatewayRunCommand } from './gateway-run-command.js';
import { createRootProgram } from './program-root.js';
import { runGatewayProbe, type ProbeFlags } from './commands/gateway-probe.js';
import { runGatewayDiscover, type DiscoverFlags } from './commands/gateway-discover.js';
import { runGatewayAgent, runGatewaySend, type AgentFlags, type SendFlags } from './commands/gateway-send.js';
import { runGatewayStatus, type GatewayStatusFlags } from './commands/gateway-status.js';
import { runQr, type QrFlags } from './commands/qr.js';
import { runDoctor, type DoctorFlags } from './doctor/doctor.js';
import { runLogs, type LogsFlags } from './commands/logs.js';
import { runStatus, type StatusFlags } from './commands/status.js';
import { registerGatewayServiceCommands, registerTunnelCommands } from './tunnel-commands.js';
import { registerApprovalCommands } from './approval-commands.js';
import { registerChannelCommands } from './channel-commands.js';
import { runSecurityAudit, type AuditFlags } from './commands/security-audit.js';
import {
  runDevicesApprove, runDevicesList, runDevicesReject, runDevicesRemove, runDevicesRename, runDevicesRevoke, runDevicesRotate,
  type DevicesFlags,
} from './commands/devices.js';
import { runNodeHost, type NodeRunFlags } from './commands/node-run.js';
import {
  runNodesApprove, runNodesDescribe, runNodesInvoke, runNodesList, runNodesPending, runNodesReject, runNodesRemove, runNodesRename,
  type NodesFlags,
} from './commands/nodes.js';

function callOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'gateway WebSocket URL (requires --token or --password)')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--timeout <ms>', 'timeout in milliseconds', '10000')
    .option('--json', 'machine-readable output');
}

/**
 * The whole command tree: every command but a plain `gateway run`, which main.ts builds on its
 * own (gateway-run-command.ts) so that the gateway does not load the rest of the CLI.
 */
export function buildProgram(setExit: (code: Promise<number>) => void, env: NodeJS.ProcessEnv): Command {
  const program = createRootProgram();
  const gateway = addGatewayCommand(program);
  addGatewayRunCommand(gateway, setExit, env);
  callOptions(gateway.command('call <method>').description('call one gateway method and print its result'))
    .option('--params <json>', 'method params as JSON', '{}')
    .option('--expect-url <url>', 'fail unless the resolved gateway URL is this one')
    .action((method: string, opts: CallFlags) => setExit(runGatewayCall(method, opts, env)));
  callOptions(gateway.command('health').description('check gateway health'))
    .action((opts: CallFlags) => setExit(runGatewayHealth(opts, env)));
  gateway
    .command('status')
    .description('show this machine’s gateway setup and probe it')
    .option('--url <url>', 'probe this gateway URL instead of the local one (credentials optional)')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--timeout <ms>', 'timeout in milliseconds', '10000')
    .option('--no-probe', 'skip the connectivity probe')
    .option('--deep', 'also scan for other gateway services')
    .option('--require-rpc', 'read status over RPC and fail (exit 1) when that fails')
    .option('--json', 'machine-readable output')
    .action((opts: GatewayStatusFlags) => setExit(runGatewayStatus(opts, env)));
  gateway
    .command('discover')
    .description('find gateways on the local network by mDNS (_openclaw-gw._tcp)')
    .option('--timeout <ms>', 'how long to listen, in milliseconds', '2000')
    .option('--json', 'machine-readable output')
    .action((opts: DiscoverFlags) => setExit(runGatewayDiscover(opts)));
  gateway
    .command('probe')
    .description('probe every known gateway target (--url, configured remote, local loopback)')
    .option('--url <url>', 'also probe this gateway URL (requires --token or --password)')
    .option('--port <port>', 'probe only the local gateway on this port')
    .option('--token <token>', 'gateway token for every target')
    .option('--password <password>', 'gateway password for every target')
    .option('--timeout <ms>', 'overall probe budget in milliseconds', '3000')
    .option('--ssh <target>', 'also probe through an SSH tunnel to user@host[:port]')
    .option('--ssh-identity <path>', 'SSH identity file for --ssh')
    .option('--json', 'machine-readable output')
    .action((opts: ProbeFlags) => setExit(runGatewayProbe(opts, env)));
  callOptions(gateway.command('send').description('send a message through a gateway channel'))
    .requiredOption('--to <dest>', 'recipient on the channel')
    .requiredOption('--message <text>', 'message text')
    .option('--channel <channel>', 'channel to send through')
    .action((opts: SendFlags) => setExit(runGatewaySend(opts, env)));
  gateway
    .command('agent')
    .description('run one agent turn on the gateway and print the reply')
    .option('--url <url>', 'gateway WebSocket URL (requires --token or --password)')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--timeout <ms>', 'how long to wait for the final answer, in milliseconds', '600000')
    .option('--json', 'machine-readable output')
    .requiredOption('--message <text>', 'message for the agent')
    .option('--agent <id>', 'agent id (default: the gateway’s default agent)')
    .option('--session-key <key>', 'session to run in')
    .action((opts: AgentFlags) => setExit(runGatewayAgent(opts, env)));
  program
    .command('agent')
    .description('run one agent turn and stream the answer')
    .option('--url <url>', 'gateway WebSocket URL (requires --token or --password)')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--timeout <ms>', 'how long to wait for the final answer, in milliseconds', '600000')
    .option('--json', 'print only the final response as JSON')
    .requiredOption('--message <text>', 'message for the agent')
    .option('--session <key>', 'session to run in (default: the main session)')
    .action((opts: AgentRunFlags) => setExit(runAgentCommand(opts, env)));
  program
    .command('chat')
    .description('chat with the assistant in the terminal (/abort, /new, /quit)')
    .option('--url <url>', 'gateway WebSocket URL (requires --token or --password)')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--timeout <ms>', 'how long to wait for each gateway answer, in milliseconds', '30000')
    .option('--session <key>', 'session to chat in (default: the main session)')
    .option('--history <n>', 'rows of history to show on open', '20')
    .action((opts: ChatFlags) => setExit(runChatCommand(opts, env)));
  const sessions = program.command('sessions').description('list, read, reset and delete assistant sessions');
  callOptions(sessions.command('list').description('list sessions')).action((opts: CallFlags) => setExit(runSessionsList(opts, env)));
  callOptions(sessions.command('history <key>').description('print a session transcript'))
    .option('--limit <n>', 'newest rows to print', '50')
    .action((key: string, opts: CallFlags & { limit?: string }) => setExit(runSessionsHistory(key, opts, env)));
  callOptions(sessions.command('reset <key>').description('start the session over (a Reset boundary row)'))
    .action((key: string, opts: CallFlags) => setExit(runSessionsAction('reset', key, opts, env)));
  callOptions(sessions.command('delete <key>').description('delete a session and its transcript'))
    .action((key: string, opts: CallFlags) => setExit(runSessionsAction('delete', key, opts, env)));
  program
    .command('status')
    .description('show the configured gateway’s status')
    .option('--json', 'machine-readable output')
    .option('--deep', 'add health checks; exit 1 when the gateway is unreachable or refuses us')
    .option('--all', 'also list every presence entry')
    .option('--timeout <ms>', 'timeout in milliseconds', '60000')
    .action((opts: StatusFlags) => setExit(runStatus(opts, env)));
  program
    .command('doctor')
    .description('check every hop from here to the gateway, stop at the first that fails, and print its fix')
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'timeout per hop in milliseconds', '10000')
    .action((opts: DoctorFlags) => setExit(runDoctor(opts, env)));
  callOptions(program.command('logs').description('print the gateway log (local or remote); --follow keeps printing new lines'))
    .option('--follow', 'keep printing new lines until Ctrl-C')
    .option('--limit <n>', 'how many of the last lines to start with (1-5000)', '200')
    .option('--interval <ms>', 'how often --follow asks for new lines', '1000')
    .action((opts: LogsFlags) => setExit(runLogs(opts, env)));
  program
    .command('health')
    .description('show the configured gateway’s health')
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'timeout in milliseconds', '60000')
    .action((opts: CallFlags) => setExit(runHealth(opts, env)));
  program
    .command('dashboard')
    .description('print the Control UI URL of the configured gateway (token in the #fragment); opens the SSH tunnel first for a remote gateway')
    .option('--open', 'also open it in the default browser ($BROWSER, open or xdg-open)')
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'how long to wait for an SSH tunnel, in milliseconds', '15000')
    .action((opts: DashboardFlags) => setExit(runDashboard(opts, env)));
  registerTunnelCommands(program, setExit, env);
  registerChannelCommands(program, setExit, env, callOptions);
  registerApprovalCommands(program, setExit, env, callOptions);
  registerGatewayServiceCommands(gateway, setExit, env);
  program
    .command('security')
    .description('check this machine’s gateway setup for exposure problems')
    .command('audit')
    .description('list exposure problems (exit 0); --fix applies the safe ones to the config')
    .option('--deep', 'also probe the gateway the CLI would use')
    .option('--json', 'machine-readable output')
    .option('--fix', 'apply the safe fixes (atomic rewrite, old config kept as .bak) and tighten file modes')
    .action((opts: AuditFlags) => setExit(runSecurityAudit(opts, env)));
  const devices = program.command('devices').description('approve pairing requests and manage paired devices and their tokens');
  devices.addHelpText('after', '\nA <deviceId> may be shortened to a unique prefix of 8 or more characters, as `devices list` shows it.');
  callOptions(devices.command('list').description('list pending pairing requests and paired devices (token values are never shown)'))
    .action((opts: CallFlags) => setExit(runDevicesList(opts, env)));
  callOptions(devices.command('approve [requestId]').description('approve a pending pairing request; --latest approves the newest one'))
    .option('--latest', 'approve the newest pending request (check it with `farclaw devices list` first)')
    .action((requestId: string | undefined, opts: DevicesFlags) => setExit(runDevicesApprove(requestId, opts, env)));
  callOptions(devices.command('reject <requestId>').description('reject a pending pairing request'))
    .action((requestId: string, opts: CallFlags) => setExit(runDevicesReject(requestId, opts, env)));
  callOptions(devices.command('remove <deviceId>').description('forget a paired device and close its sessions'))
    .action((deviceId: string, opts: CallFlags) => setExit(runDevicesRemove(deviceId, opts, env)));
  callOptions(devices.command('rename <deviceId> <name>').description('set the name a paired device is listed under (at most 64 characters)'))
    .action((deviceId: string, name: string, opts: CallFlags) => setExit(runDevicesRename(deviceId, name, opts, env)));
  callOptions(devices.command('rotate [deviceId]').description('issue a new device token for one role; the old one stops working'))
    .option('--device <id>', 'device id (instead of the argument)')
    .option('--role <role>', 'role of the token (operator, node)')
    .option('--scope <scope>', 'scope of the new token (repeatable; default: the current ones)', (s: string, prev: string[] | undefined) => [...(prev ?? []), s])
    .option('--show-token', 'print a token the gateway delivers to this CLI (only when rotating this CLI\'s own device)')
    .action((deviceId: string | undefined, opts: DevicesFlags) => setExit(runDevicesRotate(deviceId, opts, env)));
  callOptions(devices.command('revoke [deviceId]').description('revoke the device token of one role and close the sessions using it'))
    .option('--device <id>', 'device id (instead of the argument)')
    .option('--role <role>', 'role of the token (operator, node)')
    .action((deviceId: string | undefined, opts: DevicesFlags) => setExit(runDevicesRevoke(deviceId, opts, env)));
  program
    .command('qr')
    .description('print a setup code (and its QR code) that pairs a phone or node with the gateway')
    .option('--url <url>', 'gateway URL to put in the setup code (default: what the gateway advertises)')
    .option('--public-url <url>', 'same as --url')
    .option('--remote', 'ask the gateway at gateway.remote.url and put that URL in the code')
    .option('--port <port>', 'local gateway port')
    .option('--token <token>', 'gateway token')
    .option('--password <password>', 'gateway password')
    .option('--setup-code-only', 'print only the setup code')
    .option('--no-ascii', 'do not draw the QR code')
    .option('--timeout <ms>', 'timeout in milliseconds', '10000')
    .option('--json', 'machine-readable output')
    .action((opts: QrFlags) => setExit(runQr(opts, env)));
  const nodes = program.command('nodes').description('list, approve and invoke the nodes of a gateway');
  nodes.addHelpText('after', '\nA <node> is a node id, a unique id prefix (6+ characters, as `nodes list` shows) or a display name.');
  callOptions(nodes.command('list').description('list known nodes and whether they are connected right now'))
    .option('--connected', 'only nodes connected right now')
    .action((opts: NodesFlags) => setExit(runNodesList(opts, env)));
  callOptions(nodes.command('describe <node>').description('show one node: status, approval, commands, host stats'))
    .action((node: string, opts: NodesFlags) => setExit(runNodesDescribe(node, opts, env)));
  callOptions(nodes.command('pending').description('list node command surfaces waiting for approval'))
    .action((opts: NodesFlags) => setExit(runNodesPending(opts, env)));
  callOptions(nodes.command('approve [requestId]').description('approve a pending node command surface; --latest approves the newest'))
    .option('--latest', 'approve the newest pending request (check it with `farclaw nodes pending` first)')
    .action((requestId: string | undefined, opts: NodesFlags) => setExit(runNodesApprove(requestId, opts, env)));
  callOptions(nodes.command('reject <requestId>').description('reject a pending node command surface'))
    .action((requestId: string, opts: NodesFlags) => setExit(runNodesReject(requestId, opts, env)));
  callOptions(nodes.command('remove <node>').description('forget a node: its approval and node role; its session closes'))
    .action((node: string, opts: NodesFlags) => setExit(runNodesRemove(node, opts, env)));
  callOptions(nodes.command('rename <node> <name>').description('set the name a node is listed under (at most 64 characters)'))
    .action((node: string, name: string, opts: NodesFlags) => setExit(runNodesRename(node, name, opts, env)));
  callOptions(nodes.command('invoke <node>').description('run one command on a node and print its result (exit 75: node unreachable, retry)'))
    .requiredOption('--command <command>', 'node command, e.g. system.which')
    .option('--params <json>', 'command params as a JSON object', '{}')
    .option('--invoke-timeout <ms>', 'how long the node may take, in milliseconds', '15000')
    .option('--idempotency-key <key>', 'key that makes a retry return the first run\'s result (default: random)')
    .action((node: string, opts: NodesFlags) => setExit(runNodesInvoke(node, opts, env)));
  program
    .command('node')
    .description('run this machine as a headless node of a gateway')
    .command('run')
    .description('connect to a gateway as a node and run the commands its owner allows (until Ctrl-C)')
    .option('--host <host>', 'gateway host (default: the configured gateway)')
    .option('--port <port>', 'gateway port (default 18789)')
    .option('--url <url>', 'gateway WebSocket URL, instead of --host/--port')
    .option('--token <token>', 'gateway token (only needed until this node has its device token)')
    .option('--password <password>', 'gateway password')
    .option('--tls', 'connect with TLS (wss://); the certificate must be CA-valid unless pinned')
    .option('--tls-fingerprint <sha256>', 'accept exactly this certificate (SHA-256 fingerprint) instead of CA validation')
    .option('--display-name <name>', 'name operators see (default: the host name)')
    .action((opts: NodeRunFlags) => setExit(runNodeHost(opts, env)));
  return program;
}
