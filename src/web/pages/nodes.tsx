import { useState } from 'preact/hooks';
import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { ago, short } from '../ui/format.js';
import { useAction, useGatewayQuery } from '../ui/hooks.js';

interface NodeInfo {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  commands: string[];
  connected?: boolean;
  paired?: boolean;
  approvalState?: string;
  lastSeenAtMs?: number;
}

interface PendingNode {
  requestId: string;
  nodeId: string;
  displayName?: string;
  platform?: string;
  commands: string[];
  requiredApproveScopes?: string[];
  ts: number;
}

const REFRESH_ON = ['presence', 'node.pair.requested', 'node.pair.resolved', 'device.pair.resolved', 'node.presence'];

function InvokeForm(props: { client: BrowserGatewayClient; node: NodeInfo }) {
  const [picked, setCommand] = useState('');
  // Commands appear once the node's surface is approved, possibly after the form was opened.
  const command = picked || props.node.commands[0] || '';
  const [params, setParams] = useState('{}');
  const [result, setResult] = useState<string | undefined>(undefined);
  const action = useAction();
  const invoke = () => action.run(async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      throw new Error('params are not valid JSON');
    }
    setResult(undefined);
    const answer = await props.client.request('node.invoke', {
      nodeId: props.node.nodeId, command, params: parsed, idempotencyKey: crypto.randomUUID(),
    }, 120_000);
    setResult(JSON.stringify(answer, null, 2));
  });
  return (
    <div class="invoke" data-testid="invoke-form">
      <select value={command} onChange={(e) => setCommand((e.target as HTMLSelectElement).value)} data-testid="invoke-command">
        {props.node.commands.map((c) => <option value={c}>{c}</option>)}
      </select>
      <textarea rows={2} value={params} onInput={(e) => setParams((e.target as HTMLTextAreaElement).value)} data-testid="invoke-params" />
      <button disabled={action.busy || !props.node.connected || command === ''} onClick={invoke} data-testid="invoke-run">Invoke</button>
      {action.error ? <p class="error" data-testid="invoke-error">{action.error}</p> : null}
      {result !== undefined ? <pre class="result" data-testid="invoke-result">{result}</pre> : null}
    </div>
  );
}

/** Nodes with their live connected state, pending capability approvals, and invoke. */
export function NodesPage(props: { client: BrowserGatewayClient }) {
  const { client } = props;
  const nodes = useGatewayQuery<{ nodes: NodeInfo[] }>(client, 'node.list', {}, REFRESH_ON);
  const pairs = useGatewayQuery<{ pending: PendingNode[] }>(client, 'node.pair.list', {}, REFRESH_ON);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const action = useAction();
  const act = (method: string, params: unknown) => action.run(async () => {
    await client.request(method, params);
    nodes.reload();
    pairs.reload();
  });
  const pending = pairs.data?.pending ?? [];
  return (
    <section data-testid="nodes-page">
      <h2>Nodes</h2>
      {nodes.error ? <p class="error">{nodes.error}</p> : null}
      {action.error ? <p class="error">{action.error}</p> : null}
      {(nodes.data?.nodes ?? []).length === 0 ? <p class="muted">No node has connected yet. Start one with <code>farclaw node run</code>.</p> : null}
      <table>
        <tbody>
          {(nodes.data?.nodes ?? []).map((n) => (
            <>
              <tr key={n.nodeId} data-testid="node-row" data-node-id={n.nodeId} data-connected={n.connected ? 'yes' : 'no'}>
                <td><span class={n.connected ? 'dot on' : 'dot'} />{n.displayName ?? short(n.nodeId)}</td>
                <td>{n.connected ? 'connected' : `offline, seen ${ago(n.lastSeenAtMs)}`}</td>
                <td>{n.platform ?? ''} {n.version ? <span class="muted">v{n.version}</span> : null}</td>
                <td class="muted">{n.commands.length} commands {n.approvalState && n.approvalState !== 'approved' ? `(${n.approvalState})` : ''}</td>
                <td class="actions">
                  <button onClick={() => setOpen(open === n.nodeId ? undefined : n.nodeId)} data-testid="node-invoke-toggle">Invoke…</button>
                </td>
              </tr>
              {open === n.nodeId ? <tr><td colSpan={5}><InvokeForm client={client} node={n} /></td></tr> : null}
            </>
          ))}
        </tbody>
      </table>
      <h2>Pending approvals</h2>
      {pending.length === 0 ? <p class="muted">No node is waiting for approval.</p> : (
        <table>
          <tbody>
            {pending.map((p) => (
              <tr key={p.requestId} data-testid="pending-node">
                <td>{p.displayName ?? short(p.nodeId)}</td>
                <td class="muted">{p.commands.join(', ') || 'no commands'}</td>
                <td>{ago(p.ts)}</td>
                <td class="actions">
                  <button disabled={action.busy} onClick={() => act('node.pair.approve', { requestId: p.requestId })}>Approve</button>
                  <button class="danger" disabled={action.busy} onClick={() => act('node.pair.reject', { requestId: p.requestId })}>Reject</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
