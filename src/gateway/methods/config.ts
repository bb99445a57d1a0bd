import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { redactSecrets } from '../../infra/config.js';
import { defineMethod } from '../dispatcher.js';

/** `config.get` (11.5): the config as loaded at start, every secret redacted. */
export const handleConfigGet = defineMethod('config.get', EmptyParamsSchema, ({ services }) => {
  const { config } = services;
  const redacted = redactSecrets(config.config);
  return {
    path: config.path,
    exists: config.exists,
    raw: config.exists ? JSON.stringify(redacted, null, 2) + '\n' : null,
    parsed: redacted,
    resolved: redacted,
    config: redacted,
    valid: true,
    hash: config.hash,
    issues: [],
    warnings: [],
    legacyIssues: [],
  };
});
