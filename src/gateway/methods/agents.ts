import { join } from 'node:path';
import { modelCatalog } from '../../agent/model-catalog.js';
import { EmptyParamsSchema, ModelsListParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { DEFAULT_AGENT_ID } from '../health/health-service.js';

/** `models.list`: the configured models (empty with no provider, misc-methods.json). */
export const handleModelsList = defineMethod('models.list', ModelsListParamsSchema, ({ services }) => ({ models: modelCatalog(services.chat.config) }));

/** `agents.list` (11.12): the single default agent. */
export const handleAgentsList = defineMethod('agents.list', EmptyParamsSchema, ({ services }) => ({
  defaultId: DEFAULT_AGENT_ID,
  ownership: 'sole',
  selectionRequired: false,
  mainKey: 'main',
  scope: 'per-sender',
  agents: [{ id: DEFAULT_AGENT_ID, workspace: join(services.paths.stateDir, 'workspace'), model: { primary: primaryModelOf(services.chat.modelDefaults()) } }],
}));

/** `<provider>/<model>` of the default model, or null with none; the Control UI's composer needs it to send. */
function primaryModelOf(d: { provider: string; model: string }): string | null {
  return d.provider === 'unknown' ? null : `${d.provider}/${d.model}`;
}
