/** `session.dmScope` values (assistant.md 1.1). */
export type DmScope = 'main' | 'per-peer' | 'per-channel-peer' | 'per-account-channel-peer';

export const DM_SCOPES: readonly DmScope[] = ['main', 'per-peer', 'per-channel-peer', 'per-account-channel-peer'];

/** Reads `session.dmScope` from a config object of any shape; unknown values mean `main`. */
export function dmScopeOf(config: unknown): DmScope {
  const value = (config as { session?: { dmScope?: unknown } } | undefined)?.session?.dmScope;
  return DM_SCOPES.find((s) => s === value) ?? 'main';
}

/**
 * The session a channel message belongs to (assistant.md 1.1): DMs by `dmScope`, groups per
 * chat (forum topics per topic).
 *
 * @example sessionKeyFor({agentId:'main', channel:'telegram', accountId:'default', dmScope:'per-channel-peer', peer:{kind:'direct', id:'777001'}})
 *   // 'agent:main:telegram:direct:777001'
 */
export function sessionKeyFor(p: {
  agentId: string;
  channel: string;
  accountId: string;
  dmScope: DmScope;
  peer: { kind: 'direct'; id: string } | { kind: 'group'; id: string; topicId?: string };
}): string {
  const base = `agent:${p.agentId}`;
  if (p.peer.kind === 'group') {
    const topic = p.peer.topicId !== undefined ? `:topic:${p.peer.topicId}` : '';
    return `${base}:${p.channel}:group:${p.peer.id}${topic}`;
  }
  switch (p.dmScope) {
    case 'main':
      return `${base}:main`;
    case 'per-peer':
      return `${base}:direct:${p.peer.id}`;
    case 'per-channel-peer':
      return `${base}:${p.channel}:direct:${p.peer.id}`;
    case 'per-account-channel-peer':
      return `${base}:${p.channel}:${p.accountId}:direct:${p.peer.id}`;
  }
}
