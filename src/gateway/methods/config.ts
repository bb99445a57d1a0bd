import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { redactSecrets } from '../../infra/config.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `config.get` (11.5): the config as loaded at start, every secret redacted. */
export const handleConfigGet = defineMethod('config.get', EmptyParamsSchema, ({ services }) => {
  const { config } = services;
  const redacted = redactSecrets(config.config);
  return {
    path: config.path,
    includedPaths: [],
    includeProvenance: [],
    agentRosterIncludeOwned: false,
    bindingsIncludeOwned: false,
    exists: config.exists,
    raw: config.exists ? JSON.stringify(redacted, null, 2) + '\n' : null,
    parsed: redacted,
    sourceConfig: redacted,
    resolved: redacted,
    valid: true,
    runtimeConfig: redacted,
    config: redacted,
    hash: services.configHash,
    issues: [],
    warnings: [],
    legacyIssues: [],
    // The file is read once at start, so what is on disk is what runs.
    configRevisionHash: services.configHash,
    appliedConfigHash: services.configHash,
  };
});
