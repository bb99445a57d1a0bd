import { readFileSync } from 'node:fs';
import { ConfigError, resolveSecret } from '../../infra/config.js';
import type { TelegramConfig } from '../../infra/config-schema.js';
import { DEFAULT_TEXT_CHUNK_LIMIT } from './telegram-format.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';
export const DEFAULT_ACCOUNT_ID = 'default';

/** One Telegram account's settings after defaults, with the token resolved. */
export interface TelegramSettings {
  accountId: string;
  token: string;
  apiRoot: string;
  dmPolicy: 'pairing' | 'allowlist' | 'open' | 'disabled';
  /** Numeric user ids from config, `telegram:`/`tg:` prefixes removed; `*` allows anyone. */
  allowFrom: string[];
  groupPolicy: 'open' | 'allowlist' | 'disabled';
  groupAllowFrom: string[];
  groups: Record<string, { requireMention?: boolean }>;
  textChunkLimit: number;
  replyToMode: 'off' | 'first' | 'all' | 'batched';
  /**
   * `streaming.mode`: `progress` a status draft for turns with tools, `partial` a live preview
   * edited as the answer grows, `block` completed blocks as they finish, `off` the answer whole.
   */
  streaming: 'off' | 'partial' | 'block' | 'progress';
  webhook: { url: string; secret: string; path: string } | null;
  /** Backoff of polling and delivery retries: first delay and cap (ms). */
  retry: { minDelayMs: number; maxDelayMs: number };
}

/** Normalises a sender id entry: `telegram:123` / `tg:123` → `123`. */
export const normaliseSenderId = (v: string | number): string => String(v).trim().replace(/^(telegram|tg):/i, '');

/**
 * Resolves `channels.telegram` (assistant.md 10.1) to settings, or null when the channel is not
 * enabled or has no token. Token order: `botToken`, then `tokenFile`, then env
 * `TELEGRAM_BOT_TOKEN`. Throws ConfigError for a config that cannot work (an `apiRoot` ending in
 * `/bot<token>`, an unreadable token file, `allowlist` without `allowFrom`, half a webhook).
 */
export function resolveTelegramSettings(cfg: TelegramConfig | undefined, env: NodeJS.ProcessEnv): TelegramSettings | null {
  if (!cfg || cfg.enabled === false) return null;
  let token = resolveSecret(cfg.botToken, 'channels.telegram.botToken', env);
  if (!token && cfg.tokenFile) {
    try {
      token = readFileSync(cfg.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`channels.telegram.tokenFile cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  token ||= env.TELEGRAM_BOT_TOKEN?.trim();
  if (!token) return null;
  const apiRoot = (cfg.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
  if (/\/bot[^/]*$/.test(apiRoot)) {
    throw new ConfigError('channels.telegram.apiRoot must be the Bot API root without /bot<token>');
  }
  const allowFrom = (cfg.allowFrom ?? []).map(normaliseSenderId);
  const dmPolicy = cfg.dmPolicy ?? 'pairing';
  if (dmPolicy === 'allowlist' && allowFrom.length === 0) {
    throw new ConfigError('channels.telegram.dmPolicy "allowlist" needs channels.telegram.allowFrom');
  }
  if (dmPolicy === 'open' && !allowFrom.includes('*')) {
    throw new ConfigError('channels.telegram.dmPolicy "open" needs "*" in channels.telegram.allowFrom');
  }
  const webhookSecret = resolveSecret(cfg.webhookSecret, 'channels.telegram.webhookSecret', env);
  if ((cfg.webhookUrl !== undefined) !== (webhookSecret !== undefined)) {
    throw new ConfigError('channels.telegram.webhookUrl and webhookSecret go together');
  }
  const minDelayMs = cfg.retry?.minDelayMs ?? 500;
  const maxDelayMs = Math.max(minDelayMs, cfg.retry?.maxDelayMs ?? 30_000);
  return {
    accountId: DEFAULT_ACCOUNT_ID,
    token,
    apiRoot,
    dmPolicy,
    allowFrom,
    groupPolicy: cfg.groupPolicy ?? 'allowlist',
    groupAllowFrom: (cfg.groupAllowFrom ?? []).map(normaliseSenderId),
    groups: cfg.groups ?? {},
    textChunkLimit: cfg.textChunkLimit ?? DEFAULT_TEXT_CHUNK_LIMIT,
    replyToMode: cfg.replyToMode ?? 'off',
    streaming: streamingMode(cfg.streaming),
    webhook: cfg.webhookUrl !== undefined && webhookSecret !== undefined
      ? { url: cfg.webhookUrl, secret: webhookSecret, path: cfg.webhookPath ?? '/telegram-webhook' }
      : null,
    retry: { minDelayMs, maxDelayMs },
  };
}

/** `channels.telegram.streaming` as a mode: a boolean, a mode name or `{mode}` (default `progress`). */
function streamingMode(v: TelegramConfig['streaming']): TelegramSettings['streaming'] {
  if (v === undefined) return 'progress';
  if (typeof v === 'boolean') return v ? 'progress' : 'off';
  if (typeof v === 'string') return v;
  return v.mode ?? 'progress';
}

/**
 * Every enabled Telegram account with a token (assistant.md 10.1 `accounts.<id>`): without
 * `accounts`, the channel root is the one account `default`. With them, each account's keys
 * override the root's (policies, limits, streaming…), its own `botToken`/`tokenFile` wins over the
 * root's, and `TELEGRAM_BOT_TOKEN` serves the `default` account only; the root with a token of
 * its own is the implicit `default` account. The default account (`defaultAccount`, else
 * `default`, else the first id) comes first, the rest sorted. Throws ConfigError as
 * resolveTelegramSettings, naming the account.
 */
export function resolveTelegramAccounts(cfg: TelegramConfig | undefined, env: NodeJS.ProcessEnv): TelegramSettings[] {
  if (!cfg || cfg.enabled === false) return [];
  const { accounts = {}, defaultAccount, ...root } = cfg;
  const entries = Object.entries(accounts).map(([id, account]) => [id.trim().toLowerCase(), account] as const).filter(([id]) => id !== '');
  if (entries.length === 0) return [resolveTelegramSettings(root, env)].filter((s): s is TelegramSettings => s !== null);
  const ids = [...new Set(entries.map(([id]) => id))];
  const rootHasToken = root.botToken !== undefined || root.tokenFile !== undefined || Boolean(env.TELEGRAM_BOT_TOKEN?.trim());
  if (!ids.includes(DEFAULT_ACCOUNT_ID) && rootHasToken) ids.push(DEFAULT_ACCOUNT_ID);
  const first = defaultAccount?.trim().toLowerCase() ?? (ids.includes(DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : ids.sort()[0]);
  ids.sort((a, b) => (a === first ? -1 : b === first ? 1 : a.localeCompare(b)));
  const settings: TelegramSettings[] = [];
  for (const id of ids) {
    const account = entries.filter(([k]) => k === id).reduce((acc, [, a]) => ({ ...acc, ...a }), {} as Partial<TelegramConfig>);
    const ownToken = account.botToken !== undefined || account.tokenFile !== undefined;
    const { botToken: _b, tokenFile: _f, ...rootWithoutToken } = root;
    const merged: TelegramConfig = { ...(ownToken ? rootWithoutToken : root), ...account };
    try {
      const s = resolveTelegramSettings(merged, id === DEFAULT_ACCOUNT_ID ? env : {});
      if (s) settings.push({ ...s, accountId: id });
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`channels.telegram.accounts.${id}: ${err.message}`);
      throw err;
    }
  }
  return settings;
}
