import { handleAgent, handleAgentWait } from './agent.js';
import { handleChatAbort, handleChatHistory, handleChatInject, handleChatMetadata, handleChatSend, handleChatStartup } from './chat.js';
import { SESSIONS_METHODS } from './sessions.js';
import type { MethodDef } from '../rpc/dispatcher.js';
import { handleAgentsList, handleModelsList } from './agents.js';
import { handleConfigGet } from './config.js';
import {
  handleDevicePairApprove, handleDevicePairList, handleDevicePairReject, handleDevicePairRemove, handleDevicePairRename,
} from './device-pairing.js';
import { handleDevicePairSetupCode } from './device-setup-code.js';
import { handleDeviceTokenRevoke, handleDeviceTokenRotate } from './device-tokens.js';
import { handleHealth, handleStatus } from './health.js';
import { handleLogsTail } from './logs.js';
import { handleNodePairApprove, handleNodePairList, handleNodePairReject, handleNodePairRemove, handleNodeRename } from './node-pairing.js';
import {
  handleNodeEvent, handleNodeInvokeProgress, handleNodeInvokeResult, handleNodePluginToolsUpdate, handleNodeRunnerInventoryUpdate,
  handleNodeSkillsUpdate,
} from './node-session.js';
import { handleNodeDescribe, handleNodeInvoke, handleNodeList } from './nodes.js';
import { handleSend } from './send.js';
import { handleGatewayIdentityGet, handleLastHeartbeat, handleSystemPresence } from './system.js';

/** Every method this gateway answers. */
export const ALL_METHODS: readonly MethodDef[] = [
  handleHealth, handleStatus, handleSystemPresence, handleConfigGet, handleLogsTail, handleLastHeartbeat,
  handleGatewayIdentityGet, handleModelsList, handleAgentsList, handleNodeList, handleNodeDescribe,
  handleNodeInvoke, handleSend, handleDevicePairList, handleDevicePairApprove, handleDevicePairReject,
  handleDevicePairRemove, handleDevicePairRename, handleDevicePairSetupCode, handleDeviceTokenRotate, handleDeviceTokenRevoke,
  handleNodePairList, handleNodePairApprove, handleNodePairReject, handleNodePairRemove, handleNodeRename,
  handleNodeInvokeResult, handleNodeInvokeProgress, handleNodeEvent, handleNodeSkillsUpdate, handleNodePluginToolsUpdate,
  handleNodeRunnerInventoryUpdate,
  handleChatSend, handleChatHistory, handleChatStartup, handleChatAbort, handleChatInject, handleChatMetadata, handleAgent, handleAgentWait,
  ...SESSIONS_METHODS,
];
