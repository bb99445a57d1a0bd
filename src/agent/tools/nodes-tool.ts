import { tool, zodSchema, type Tool } from 'ai';
import { z } from 'zod';
import { GatewayError } from '../../protocol/errors.js';
import { findNode, ToolRefusal, type ToolNode } from './node-target.js';
import { toolErrorText } from './exec-tool.js';

/**
 * Device actions of OpenClaw's `nodes` tool that read JSON from a node command (assistant.md 8.7):
 * a node that declares the command answers; any other node is reported as not supporting it.
 */
const DEVICE_READS: Readonly<Record<string, string>> = {
  camera_list: 'camera.list', location_get: 'location.get', notifications_list: 'notifications.list',
  device_status: 'device.status', device_info: 'device.info', device_permissions: 'device.permissions', device_health: 'device.health',
};
/** Media and device actions whose results are files or UI actions, which this gateway does not handle. */
const MEDIA_ACTIONS: Readonly<Record<string, string>> = {
  camera_snap: 'camera.snap', camera_clip: 'camera.clip', camera_ptz: 'camera.ptz.control', photos_latest: 'photos.latest',
  screen_record: 'screen.record', screen_snapshot: 'screen.snapshot', notifications_action: 'notifications.actions',
};

/** The `nodes` actions this gateway offers (OpenClaw's list, assistant.md 8.7). */
export const NODES_TOOL_ACTIONS = [
  'status', 'describe', 'pending', 'approve', 'reject', 'which', 'notify', 'invoke',
  ...Object.keys(DEVICE_READS), ...Object.keys(MEDIA_ACTIONS),
] as [string, ...string[]];

/** Commands the generic invoke refuses: shell runs go through `exec host=node` and its approvals. */
const SHELL_COMMANDS = new Set(['system.run', 'system.run.prepare']);

/** One node command as the tool asks for it. */
export interface NodesToolInvoke {
  nodeId: string;
  command: string;
  params: unknown;
  timeoutMs?: number;
  idempotencyKey: string;
}

/** One record of the audit trail for a node command the tool sent. */
export interface NodesAuditEntry {
  toolCallId: string;
  nodeId: string;
  command: string;
  outcome: 'completed' | 'failed';
  error?: string;
}

/** What the nodes tool needs from the gateway, bound to one run. */
export interface NodesToolDeps {
  runId: string;
  agentId: string;
  /** Every known node, for resolving the `node` argument. */
  nodes(): ToolNode[];
  /** The `node.list` result. */
  list(): unknown;
  /** The `node.describe` result of a known node. */
  describe(nodeId: string): unknown;
  /** Node surfaces waiting for an operator's approval (`node.pair.list` `pending`). */
  pending(): unknown[];
  /**
   * Runs a node command through the gateway's node command policy (NodeService.invoke).
   * @throws GatewayError when the policy refuses or the node fails.
   */
  invoke(req: NodesToolInvoke): Promise<{ payload: unknown }>;
  audit?(entry: NodesAuditEntry): void;
}

const NodesArgsSchema = z.object({
  action: z.enum(NODES_TOOL_ACTIONS).describe('status lists nodes, pending the ones waiting for approval; the others need "node".'),
  node: z.string().optional().describe('Node id or display name. Use action "status" to discover nodes.'),
  title: z.string().optional().describe('notify: title.'),
  body: z.string().optional().describe('notify: body.'),
  sound: z.string().optional(),
  priority: z.enum(['passive', 'active', 'timeSensitive']).optional(),
  delivery: z.enum(['system', 'overlay', 'auto']).optional(),
  bins: z.array(z.string().min(1)).min(1).max(64).optional().describe('which: executable names to resolve on the node.'),
  invokeCommand: z.string().optional().describe('invoke: the node command, e.g. "system.which". Shell commands go through the exec tool.'),
  invokeParamsJson: z.string().optional().describe('invoke: the command params as a JSON string.'),
  invokeTimeoutMs: z.number().int().positive().optional(),
});
export type NodesArgs = z.infer<typeof NodesArgsSchema>;
/**
 * The input schema wrapped once: the AI SDK converts a bare zod schema to JSON Schema again at
 * every model step (~3 ms each on a loaded box), a wrapped one only the first time.
 */
const NodesArgsInput = zodSchema(NodesArgsSchema);

const json = (value: unknown): string => JSON.stringify(value, null, 2);

function messageOf(err: unknown): string {
  if (err instanceof GatewayError) return `${err.code}: ${err.message}`;
  if (err instanceof ToolRefusal) return err.message;
  return 'the nodes tool failed on the gateway';
}

/**
 * The `nodes` tool (assistant.md 8.7): node status and description, executable lookup, a
 * notification, and a generic command invoke, every command through the gateway's node command
 * policy. Like OpenClaw it refuses `system.run` and points to `exec host=node`, so a shell command
 * cannot bypass exec's approvals. Results are pretty JSON; faults reach the model as the tool's error.
 */
export function createNodesTool(deps: NodesToolDeps): Tool {
  return tool({
    description: 'Paired nodes: status lists them, pending the ones waiting for approval; describe one; which resolves executables on a node; notify shows a notification; device reads (location_get, device_info, …) where the node offers them; '
      + 'invoke runs a declared node command (not system.run: use exec with host "node").',
    inputSchema: NodesArgsInput,
    execute: async (args, { toolCallId }) => {
      try {
        return json(await runAction(deps, args, toolCallId));
      } catch (err) {
        const label = args.node?.trim() || 'auto';
        throw new Error(toolErrorText('nodes', `agent=${deps.agentId} node=${label} action=${args.action}: ${messageOf(err)}`));
      }
    },
  });
}

async function runAction(deps: NodesToolDeps, args: NodesArgs, toolCallId: string): Promise<unknown> {
  if (args.action === 'status') return deps.list();
  if (args.action === 'pending') return { pending: deps.pending() };
  if (args.action === 'approve' || args.action === 'reject') {
    // A model that could approve node surfaces could grant itself a shell: that stays an operator's call.
    throw new ToolRefusal(`${args.action} needs an operator: run \`farclaw nodes ${args.action} <requestId>\` on the gateway host (see action="pending")`);
  }
  if (args.action === 'describe') {
    if (!args.node?.trim()) throw new ToolRefusal('node required for describe; call nodes with action="status" to list nodes, then retry with node');
    return deps.describe(nodeIdOf(deps, args.node));
  }
  const nodeId = nodeIdOf(deps, required(args.node, 'node'));
  const send = async (command: string, params: unknown, timeoutMs?: number): Promise<{ payload: unknown }> => {
    try {
      const res = await deps.invoke({ nodeId, command, params, idempotencyKey: `${deps.runId}:${toolCallId}`, ...(timeoutMs ? { timeoutMs } : {}) });
      deps.audit?.({ toolCallId, nodeId, command, outcome: 'completed' });
      return res;
    } catch (err) {
      deps.audit?.({ toolCallId, nodeId, command, outcome: 'failed', error: messageOf(err) });
      throw err;
    }
  };
  const deviceCommand = DEVICE_READS[args.action] ?? MEDIA_ACTIONS[args.action];
  if (deviceCommand !== undefined) {
    const node = deps.nodes().find((n) => n.nodeId === nodeId);
    if (!node?.commands.includes(deviceCommand)) {
      throw new ToolRefusal(`${args.action} is not supported by node "${node?.displayName ?? nodeId}" (it does not offer ${deviceCommand}; it offers: ${node?.commands.join(', ') || 'nothing'})`);
    }
    if (MEDIA_ACTIONS[args.action] !== undefined) throw new ToolRefusal(`${args.action} is not supported by this gateway's nodes tool (media results are not handled)`);
    return (await send(deviceCommand, {})).payload ?? {};
  }
  switch (args.action) {
    case 'which':
      if (!args.bins) throw new ToolRefusal('bins required');
      return (await send('system.which', { bins: args.bins })).payload ?? {};
    case 'notify': {
      const title = args.title?.trim() ?? '';
      const body = args.body?.trim() ?? '';
      if (!title && !body) throw new ToolRefusal('title or body required');
      await send('system.notify', {
        title, body, ...(args.sound ? { sound: args.sound } : {}), ...(args.priority ? { priority: args.priority } : {}), ...(args.delivery ? { delivery: args.delivery } : {}),
      });
      return { ok: true };
    }
    case 'invoke': {
      const command = required(args.invokeCommand, 'invokeCommand');
      if (SHELL_COMMANDS.has(command.trim().toLowerCase())) {
        throw new ToolRefusal(`invokeCommand "${command}" is reserved for shell execution; use exec with host=node instead`);
      }
      return await send(command, paramsOf(args.invokeParamsJson), args.invokeTimeoutMs);
    }
    default:
      throw new ToolRefusal(`unknown action "${args.action}"`);
  }
}

function required(value: string | undefined, name: string): string {
  if (!value?.trim()) throw new ToolRefusal(`${name} required`);
  return value.trim();
}

function nodeIdOf(deps: NodesToolDeps, ref: string): string {
  const nodes = deps.nodes();
  const node = findNode(nodes, ref);
  if (!node) throw new ToolRefusal(`unknown node "${ref}"; known nodes: ${nodes.map((n) => n.displayName).join(', ') || 'none'}`);
  return node.nodeId;
}

function paramsOf(text: string | undefined): unknown {
  if (!text?.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ToolRefusal(`invokeParamsJson must be valid JSON: ${(err as Error).message}`);
  }
}
