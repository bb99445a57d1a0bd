import { handleAgent, handleAgentWait } from './agent.js';
import { handleChatAbort, handleChatHistory, handleChatInject, handleChatMetadata, handleChatSend, handleChatStartup } from './chat.js';
import { SESSIONS_METHODS } from './sessions.js';
import { EXEC_APPROVAL_METHODS } from './exec-approvals.js';
import type { MethodDef } from '../rpc/dispatcher.js';
import { handleAgentsList, handleModelsList } from './agents.js';
import {
  handleChannelPairingApprove, handleChannelPairingDismiss, handleChannelPairingList, handleChannelsLogout, handleChannelsStart, handleChannelsStatus,
  handleChannelsStop,
} from './channels.js';
import { handleConfigGet } from './config.js';
import {
  handleDevicePairApprove, handleDevicePairList, handleDevicePairReject, handleDevicePairRemove, handleDevicePairRename,
} from './device-pairing.js';
import { handleDevicePairSetupCode } from './device-setup-code.js';
import { handleDeviceTokenRevoke, handleDeviceTokenRotate } from './device-tokens.js';
import { handleHealth, handleStatus } from './health.js';
import { handleLogsTail } from './logs.js';
import { handleModelsAuthStatus } from './models-auth-status.js';
import { handleNodePairApprove, handleNodePairList, handleNodePairReject, handleNodePairRemove, handleNodeRename } from './node-pairing.js';
import {
  handleNodeEvent, handleNodeInvokeProgress, handleNodeInvokeResult, handleNodePluginToolsUpdate, handleNodeRunnerInventoryUpdate,
  handleNodeSkillsUpdate,
} from './node-session.js';
import { handleNodeDescribe, handleNodeInvoke, handleNodeList } from './nodes.js';
import { handleSend } from './send.js';
import { handleGatewayIdentityGet, handleLastHeartbeat, handleSystemPresence } from './system.js';

/** Health, status, presence, config, logs and the small helpers (the `status` component). */
export const STATUS_METHODS: readonly MethodDef[] = [
  handleHealth, handleStatus, handleSystemPresence, handleConfigGet, handleLogsTail, handleLastHeartbeat,
  handleGatewayIdentityGet, handleModelsList, handleModelsAuthStatus, handleAgentsList, handleSend,
];

/** Device pairing and device tokens (the `devices` component). */
export const DEVICE_METHODS: readonly MethodDef[] = [
  handleDevicePairList, handleDevicePairApprove, handleDevicePairReject, handleDevicePairRemove, handleDevicePairRename,
  handleDevicePairSetupCode, handleDeviceTokenRotate, handleDeviceTokenRevoke,
];

/** Nodes: listing, invoking, capability approval and the node-side methods (the `nodes` component). */
export const NODE_METHODS: readonly MethodDef[] = [
  handleNodeList, handleNodeDescribe, handleNodeInvoke,
  handleNodePairList, handleNodePairApprove, handleNodePairReject, handleNodePairRemove, handleNodeRename,
  handleNodeInvokeResult, handleNodeInvokeProgress, handleNodeEvent, handleNodeSkillsUpdate, handleNodePluginToolsUpdate,
  handleNodeRunnerInventoryUpdate,
];

/** Chat, sessions and agent runs (the `chat` component). */
export const CHAT_METHODS: readonly MethodDef[] = [
  handleChatSend, handleChatHistory, handleChatStartup, handleChatAbort, handleChatInject, handleChatMetadata, handleAgent, handleAgentWait,
  ...SESSIONS_METHODS, ...EXEC_APPROVAL_METHODS,
];

/** Chat channels: status and sender pairing (the `channels` component). */
export const CHANNEL_METHODS: readonly MethodDef[] = [
  handleChannelsStatus, handleChannelsStart, handleChannelsStop, handleChannelsLogout,
  handleChannelPairingList, handleChannelPairingApprove, handleChannelPairingDismiss,
];

/** Every built-in method. */
export const ALL_METHODS: readonly MethodDef[] = [...STATUS_METHODS, ...DEVICE_METHODS, ...NODE_METHODS, ...CHAT_METHODS, ...CHANNEL_METHODS];
