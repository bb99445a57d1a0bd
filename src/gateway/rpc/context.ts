import type { Database } from 'better-sqlite3';
import type { ProcessRegistry } from '../../agent/tools/process-registry.js';
import type { ChatService } from '../../chat/chat-service.js';
import type { ExecApprovalService } from '../approvals/exec-approval-service.js';
import type { ChatSubscriptions } from '../chat/chat-subscriptions.js';
import type { LoadedConfig } from '../../infra/config.js';
import type { Logger } from '../../infra/logger.js';
import type { FarclawPaths } from '../../infra/paths.js';
import type { ClientInfo } from '../../protocol/schema/connect.js';
import type { GatewayIdentity } from '../../store/gateway-identity-repo.js';
import type { DeviceRegistry } from '../auth/device-registry.js';
import type { AuthRateLimiter } from '../auth/rate-limit.js';
import type { ServerAuth } from '../auth/shared-secret.js';
import type { EventLoopMonitor } from '../health/event-loop-monitor.js';
import type { HealthService } from '../health/health-service.js';
import type { ChannelManager } from '../../channels/channel-manager.js';
import type { NodeInvoker } from '../nodes/node-invoker.js';
import type { NodeService } from '../nodes/node-service.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import type { PresenceRegistry } from '../presence/presence-registry.js';
import type { BindMode } from '../startup/bind.js';
import type { TailscaleView } from '../tailscale/tailscale-component.js';

/** What an authenticated connection is allowed to be. */
export interface Principal {
  connId: string;
  role: 'operator' | 'node';
  scopes: string[];
  client: ClientInfo;
  /** Socket peer is loopback and no forwarding header was present (remote-access.md 6.4). */
  isLocal: boolean;
  remoteAddress: string;
  authMethod: string;
  connectedAtMs: number;
  /** Set when the connect carried a verified device proof (protocol.md 5). */
  deviceId?: string;
  /** What a node declared in its connect (protocol.md 9.1); nodes only. */
  declared?: { caps: string[]; commands: string[]; pathEnv?: string };
  /** Capabilities an operator declared in its connect (e.g. `tool-events`, assistant.md 8.6). */
  caps?: string[];
  /** The `modelCatalog` scope an operator asked a `models.snapshot` for (control-ui-boot.json). */
  modelCatalog?: { sessionKey?: string; agentId?: string };
}

/** Long-lived services of one gateway process, shared by handshake and method handlers. */
export interface GatewayServices {
  version: string;
  bootId: string;
  startedAtMs: number;
  paths: FarclawPaths;
  config: LoadedConfig;
  /** Keyed hash of the config file text as applied at start (of '' without a file). */
  configHash: string;
  auth: ServerAuth;
  port: number;
  /** How the gateway listens (remote-access.md 4): the mode and the host it resolved to. */
  bind: { mode: BindMode; resolvedHost: string };
  db: Database;
  identity: GatewayIdentity;
  health: HealthService;
  presence: PresenceRegistry;
  eventLoop: EventLoopMonitor;
  logger: Logger;
  logFile: string;
  tickIntervalMs: number;
  /** Paired devices, pending pairing requests and device tokens. */
  devices: DeviceRegistry;
  /** Known nodes, their live sessions and approved surfaces (protocol.md 6.4, 9). */
  nodes: NodeRegistry;
  /** Sessions, transcripts and agent runs (assistant.md 1-7). */
  chat: ChatService;
  /** Which connections subscribed to which session events. */
  chatSubscriptions: ChatSubscriptions;
  /** Exec approvals, allow-always grants and the tool audit trail (assistant.md 8.5). */
  approvals: ExecApprovalService;
  /** Commands the agent's exec left running on the gateway host (the `process` tool's registry). */
  processes: ProcessRegistry;
  /** `node.invoke` calls on their way to nodes. */
  invoker: NodeInvoker;
  /** Messaging channels (Telegram): status and sender pairing (assistant.md 10). */
  channels: ChannelManager;
  /** The one place node commands are authorised and run (method and agent tools alike). */
  nodeService: NodeService;
  /** Failed-auth limiter per (client address, credential class). */
  rateLimiter: AuthRateLimiter;
  /** Connected principals, for methods that list them. */
  principals(): Principal[];
  /** Sends an event to every authenticated socket allowed to see it (protocol.md 7.5). */
  broadcast(event: string, payload: unknown): void;
  /** Sends an event (without `seq`) to the one connection with this id, if it is still open. */
  sendTo(connId: string, event: string, payload: unknown): void;
  /**
   * Closes every live session whose principal matches, with `code` and `reason`, once the
   * reply being sent now has gone out. Returns how many sessions it will close.
   */
  closeSessions(match: (p: Principal) => boolean, code: number, reason: string): number;
  /** Requests being handled right now, across all connections. */
  inflightRequests(): number;
  isReady(): boolean;
  /**
   * The managed Tailscale exposure (assistant.md 12), present when one is configured: the
   * `tailscale` component's read-only view, which answers undefined until it has started.
   */
  tailscale?: TailscaleView;
}
