import type { FarclawConfig } from '../infra/config-schema.js';

/** The default agent id (assistant.md 1.1). */
export const DEFAULT_AGENT_ID = 'main';
/** Longest session key a client may send (chat.send `sessionKey` 1..512). */
export const MAX_SESSION_KEY_LENGTH = 512;

/** What `hello-ok.snapshot.sessionDefaults` tells clients (assistant.md 1.1). */
export interface SessionDefaults {
  defaultAgentId: string;
  mainKey: string;
  mainSessionKey: string;
  scope: 'per-sender' | 'global';
}

/** The session defaults the config implies. */
export function sessionDefaults(config: FarclawConfig): SessionDefaults {
  const mainKey = config.session?.mainKey ?? 'main';
  const scope = config.session?.scope ?? 'per-sender';
  return {
    defaultAgentId: DEFAULT_AGENT_ID,
    mainKey,
    mainSessionKey: scope === 'global' ? 'global' : `agent:${DEFAULT_AGENT_ID}:${mainKey}`,
    scope,
  };
}

/** A key that cannot name a session; the message is shown to the caller. */
export class SessionKeyError extends Error {}

/**
 * The canonical form of a client's session key (assistant.md 1.1): `main` resolves to the
 * default agent's main key, `agent:<a>:<rest>` and `global` stay as they are, and any other
 * key is taken as a key of the default agent (`agent:main:<key>`).
 * @throws SessionKeyError for an empty, over-long or malformed key.
 */
export function canonicalSessionKey(key: string, config: FarclawConfig): string {
  const trimmed = key.trim();
  if (trimmed === '' || trimmed.length > MAX_SESSION_KEY_LENGTH) throw new SessionKeyError(`invalid session key: ${JSON.stringify(key.slice(0, 40))}`);
  const defaults = sessionDefaults(config);
  if (trimmed === 'main' || trimmed === defaults.mainKey) return defaults.mainSessionKey;
  if (trimmed === 'global') return 'global';
  if (trimmed.startsWith('agent:')) {
    const parts = trimmed.split(':');
    if (parts.length < 3 || parts[1] === '' || parts.slice(2).join(':') === '') throw new SessionKeyError(`invalid session key: ${trimmed}`);
    return trimmed;
  }
  return `agent:${DEFAULT_AGENT_ID}:${trimmed}`;
}

/** The agent id inside a canonical key (`main` for `global`). */
export function agentIdOf(key: string): string {
  return key.startsWith('agent:') ? (key.split(':')[1] ?? DEFAULT_AGENT_ID) : DEFAULT_AGENT_ID;
}

/** Whether the key is its agent's main session (or the global one). */
export function isMainKey(key: string, config: FarclawConfig): boolean {
  const d = sessionDefaults(config);
  return key === d.mainSessionKey || key === `agent:${agentIdOf(key)}:${d.mainKey}` || key === 'global';
}

/** `classification` of a session row (assistant.md 1.2). */
export function classify(key: string, config: FarclawConfig): 'main' | 'dashboard' | 'direct' | 'group' | 'cron' | 'other' {
  if (isMainKey(key, config)) return 'main';
  const rest = key.split(':').slice(2);
  if (rest[0] === 'dashboard') return 'dashboard';
  if (rest[0] === 'cron') return 'cron';
  if (rest.includes('group')) return 'group';
  if (rest.includes('direct')) return 'direct';
  return 'other';
}

/** Where a channel message came from, for the key it lands in. */
export interface PeerOrigin {
  channel: string;
  accountId?: string;
  peerId: string;
  /** A group chat (with an optional forum topic / thread id) instead of a DM. */
  group?: { groupId: string; topicId?: string };
}

/**
 * The session key a channel message lands in, by `session.dmScope` (assistant.md 1.1): the main
 * session by default, else per peer, per channel and peer, or per account, channel and peer.
 * Group chats always get their own key.
 */
export function sessionKeyForPeer(origin: PeerOrigin, config: FarclawConfig, agentId = DEFAULT_AGENT_ID): string {
  if (origin.group) {
    const base = `agent:${agentId}:${origin.channel}:group:${origin.group.groupId}`;
    return origin.group.topicId ? `${base}:topic:${origin.group.topicId}` : base;
  }
  switch (config.session?.dmScope ?? 'main') {
    case 'per-peer':
      return `agent:${agentId}:direct:${origin.peerId}`;
    case 'per-channel-peer':
      return `agent:${agentId}:${origin.channel}:direct:${origin.peerId}`;
    case 'per-account-channel-peer':
      return `agent:${agentId}:${origin.channel}:${origin.accountId ?? 'default'}:direct:${origin.peerId}`;
    default:
      return sessionDefaults(config).mainSessionKey;
  }
}
