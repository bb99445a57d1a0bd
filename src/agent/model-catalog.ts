import type { FarclawConfig } from '../infra/config-schema.js';
import { describeDefaultModel } from './providers.js';

/** One model as OpenClaw's clients list it (models.list, chat.metadata, models.snapshot; control-ui-boot.json). */
export interface CatalogModel {
  id: string;
  name: string;
  provider: string;
  contextWindow: number;
  reasoning: boolean;
  tags: string[];
  thinkingLevels: { id: string; label: string }[];
  thinkingDefault: string;
  available: boolean;
}

/** How the account behind a model is picked; farclaw has one credential per provider. */
export const ACCOUNT_SELECTION = { kind: 'automatic', label: 'Automatic account selection' } as const;

/**
 * The models a client may pick: every `models.providers.<id>.models[]` entry, plus the default
 * model when it comes from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, Ollama). The default
 * is tagged `default`. Empty when nothing is configured (misc-methods.json).
 */
export function modelCatalog(config: FarclawConfig, env: NodeJS.ProcessEnv = process.env): CatalogModel[] {
  const def = describeDefaultModel(config, env);
  const entry = (provider: string, id: string, name: string | undefined, contextWindow: number, reasoning: boolean): CatalogModel => ({
    id, name: name ?? id, provider, contextWindow, reasoning,
    tags: def && def.provider === provider && def.model === id ? ['default'] : [],
    thinkingLevels: [{ id: 'off', label: 'off' }], thinkingDefault: 'off', available: true,
  });
  const out: CatalogModel[] = [];
  for (const [provider, p] of Object.entries(config.models?.providers ?? {})) {
    for (const m of p.models ?? []) out.push(entry(provider, m.id, m.name, m.contextWindow ?? def?.contextTokens ?? 128_000, m.reasoning === true));
  }
  if (def && !out.some((m) => m.provider === def.provider && m.id === def.model)) out.push(entry(def.provider, def.model, undefined, def.contextTokens, false));
  return out;
}
