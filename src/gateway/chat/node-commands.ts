import { Scope } from '../../protocol/scopes.js';
import { handleNodeInvoke } from '../methods/nodes.js';
import type { GatewayServices, Principal } from '../rpc/context.js';
import type { NodeCommands } from './agent-tools.js';

/**
 * Node commands for the agent's tools through the `node.invoke` handler itself, so the node
 * command policy (declared ∩ approved ∩ allowed, protocol.md 9.2) is the one that method applies.
 * The caller is the gateway's own agent: a principal no socket has, so no socket's close
 * cancels a run's command.
 */
export function nodeCommandsOf(services: () => GatewayServices): NodeCommands {
  return {
    async invoke(caller, request) {
      const s = services();
      const principal: Principal = {
        connId: caller.connId, role: 'operator', scopes: [Scope.ADMIN], isLocal: true, remoteAddress: '127.0.0.1',
        authMethod: 'agent', connectedAtMs: s.startedAtMs,
        client: { id: 'gateway-client', version: s.version, platform: process.platform, mode: 'backend' },
      };
      const result = await handleNodeInvoke.handler({ services: s, principal, accept: () => undefined }, {
        nodeId: request.nodeId, command: request.command, idempotencyKey: request.idempotencyKey,
        ...(request.params !== undefined ? { params: request.params } : {}),
        ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      });
      return result as { payload: unknown };
    },
  };
}
