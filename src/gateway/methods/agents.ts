import { join } from 'node:path';
import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { DEFAULT_AGENT_ID } from '../health/health-service.js';

/** `models.list`: no model provider is configured yet. */
export const handleModelsList = defineMethod('models.list', EmptyParamsSchema, () => ({ models: [] }));

/** `agents.list` (11.12): the single default agent. */
export const handleAgentsList = defineMethod('agents.list', EmptyParamsSchema, ({ services }) => ({
  defaultId: DEFAULT_AGENT_ID,
  ownership: 'sole',
  selectionRequired: false,
  mainKey: 'main',
  scope: 'per-sender',
  agents: [{ id: DEFAULT_AGENT_ID, workspace: join(services.paths.stateDir, 'workspace'), model: { primary: null } }],
}));
