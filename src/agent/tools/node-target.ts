/** A node as the exec and nodes tools see it. */
export interface ToolNode {
  nodeId: string;
  displayName: string;
  connected: boolean;
  /** Commands it may be asked to run now (declared ∩ approved ∩ allowed). */
  commands: readonly string[];
  /** Commands its surface request asks for while it waits for an operator's approval. */
  pendingCommands?: readonly string[];
  /** Commands it declares and an operator approved that the gateway's own policy (`gateway.nodes.commands`) keeps back. */
  policyDeniedCommands?: readonly string[];
}

/** A refusal the model is shown as the tool's error. */
export class ToolRefusal extends Error {}

const norm = (s: string): string => s.trim().toLowerCase();

/** The node `ref` names: its id, its display name, or an id prefix of 6+ characters. */
export function findNode(nodes: readonly ToolNode[], ref: string): ToolNode | undefined {
  const want = norm(ref);
  return nodes.find((n) => norm(n.nodeId) === want)
    ?? nodes.find((n) => norm(n.displayName) === want)
    ?? (want.length >= 6 ? nodes.find((n) => norm(n.nodeId).startsWith(want)) : undefined);
}

/**
 * The node an `exec host=node` call runs on (assistant.md 8.2): the named one (`node` argument,
 * else `tools.exec.node`), which must be connected and support `system.run`; without a name the
 * only connected node that supports it.
 * @throws ToolRefusal naming what is missing, or the candidates when there are several.
 */
export function chooseExecNode(nodes: readonly ToolNode[], requested: string | undefined): ToolNode {
  if (requested !== undefined && requested.trim() !== '') {
    const node = findNode(nodes, requested);
    if (!node) throw new ToolRefusal(`exec host=node: unknown node "${requested}"; known nodes: ${names(nodes) || 'none'}`);
    if (!node.connected) throw new ToolRefusal(`exec host=node: node "${node.displayName}" is not connected`);
    if (isAwaitingApproval(node)) throw awaitingApproval([node]);
    if (isPolicyDenied(node)) throw policyDenied([node]);
    if (!node.commands.includes('system.run')) throw new ToolRefusal(`exec host=node: node "${node.displayName}" does not support system.run`);
    return node;
  }
  const eligible = nodes.filter((n) => n.connected && n.commands.includes('system.run'));
  if (eligible.length === 1) return eligible[0] as ToolNode;
  if (eligible.length === 0) {
    const waiting = nodes.filter((n) => n.connected && isAwaitingApproval(n));
    if (waiting.length > 0) throw awaitingApproval(waiting);
    const denied = nodes.filter((n) => n.connected && isPolicyDenied(n));
    if (denied.length > 0) throw policyDenied(denied);
    throw new ToolRefusal('exec host=node requires a connected node that supports system.run; none is connected (start one with `farclaw node run` and approve its commands)');
  }
  throw new ToolRefusal(`exec host=node: several nodes support system.run (${names(eligible)}); pass "node" or set tools.exec.node`);
}

/** A connected node whose `system.run` is asked for but not approved yet: only an operator can fix that, not the model. */
const isAwaitingApproval = (n: ToolNode): boolean => !n.commands.includes('system.run') && (n.pendingCommands?.includes('system.run') ?? false);

function awaitingApproval(waiting: readonly ToolNode[]): ToolRefusal {
  return new ToolRefusal(`exec host=node: node ${names(waiting)} is connected, but its commands await an operator's approval (\`farclaw nodes pending\`, then \`farclaw nodes approve <requestId>\`); ask the user to approve it`);
}

/** A node whose `system.run` only the gateway's own command policy removes: the model cannot fix that, the gateway's operator can. */
const isPolicyDenied = (n: ToolNode): boolean => !n.commands.includes('system.run') && (n.policyDeniedCommands?.includes('system.run') ?? false);

function policyDenied(nodes: readonly ToolNode[]): ToolRefusal {
  return new ToolRefusal(`exec host=node: node ${names(nodes)} is connected and supports system.run, but this gateway's node command policy denies it (gateway.nodes.commands.deny, or not allowed for the node's platform); ask the user to change the gateway's policy`);
}

function names(nodes: readonly ToolNode[]): string {
  return nodes.map((n) => (n.displayName !== n.nodeId ? `${n.displayName} (${n.nodeId})` : n.nodeId)).join(', ');
}
