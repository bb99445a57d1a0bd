/**
 * How deep, and how strictly, the conformance suite compares server payloads.
 *
 * Policy (brief + protocol.md):
 * - a key present in the captured payload but missing from ours is a failure,
 *   unless the spec explicitly lets a gateway omit it (`mayOmit`);
 * - a key we send that the capture does not have is a failure unless the spec
 *   lists it for that object (`allowedExtra`), or the spec describes the object
 *   as open (`'any'`);
 * - for keys present on both sides the JSON kind (object/array/string/…) must
 *   match when neither side is `null`;
 * - values are not compared (ids, timestamps, nonces differ per run), except the
 *   few deterministic hello-ok values checked in shape-compare.ts.
 */

export type ShapeRule =
  | {
      kind: 'object';
      /** Spec keys a server may send beyond the captured ones, or `'any'` for an open object. */
      allowedExtra: ReadonlySet<string> | 'any';
      /** Captured keys the spec explicitly says a gateway may leave out. */
      mayOmit?: ReadonlySet<string>;
      /**
       * When set, only these captured keys are required and every other captured key may be left
       * out (objects the spec declares optional field by field, such as a SessionRow).
       */
      requiredOnly?: ReadonlySet<string>;
      /** Nested values compared with their own rule; other nested values only by JSON kind. */
      children?: Readonly<Record<string, ShapeRule>>;
    }
  /** PresenceEntry[]: compared entry by entry, matched on `mode` (protocol.md 8). */
  | { kind: 'presence-list' }
  /** Only the JSON kind is compared (open or free-form payloads). */
  | { kind: 'kind-only' };

const keys = (...names: string[]): ReadonlySet<string> => new Set(names);

/** PresenceEntry (protocol.md 8) plus `clientId`, which the real gateway sends for nodes [obs]. */
export const PRESENCE_ENTRY_RULE: ShapeRule = {
  kind: 'object',
  allowedExtra: keys(
    'ts', 'host', 'ip', 'version', 'platform', 'deviceFamily', 'modelIdentifier', 'timeZone', 'mode',
    'reason', 'text', 'tags', 'lastInputSeconds', 'onlineSince', 'lastActivityAt', 'deviceId', 'roles',
    'scopes', 'instanceId', 'user', 'watchedSessions', 'clientId',
  ),
};

/** HealthSnapshot: the observed field list of protocol.md 8 (all optional in the real schema). */
export const HEALTH_RULE: ShapeRule = {
  kind: 'object',
  allowedExtra: keys(
    'ok', 'ts', 'durationMs', 'plugins', 'configReload', 'channels', 'channelOrder', 'channelLabels',
    'heartbeatSeconds', 'defaultAgentId', 'agents', 'sessions', 'modelRuntime', 'eventLoop',
  ),
};

/** hello-ok (protocol.md 3.4): top level and server/features/snapshot/auth/policy one level down. */
export const HELLO_OK_RULE: ShapeRule = {
  kind: 'object',
  allowedExtra: keys(
    'type', 'protocol', 'server', 'features', 'snapshot', 'auth', 'policy',
    'controlUiUrl', 'controlUiTabs', 'controlUiWidgetKinds', 'controlUiLinkReaders', 'pluginSurfaceUrls',
  ),
  children: {
    server: { kind: 'object', allowedExtra: keys('version', 'connId', 'buildId', 'bootId', 'controlUiBuildSource') },
    features: { kind: 'object', allowedExtra: keys('methods', 'events', 'capabilities') },
    snapshot: {
      kind: 'object',
      allowedExtra: keys(
        'presence', 'health', 'stateVersion', 'uptimeMs', 'appliedConfigHash', 'configPath', 'stateDir',
        'sessionDefaults', 'authMode', 'suspension', 'updateAvailable', 'updateSchedule', 'controlUiIdentityUrl',
      ),
      children: {
        presence: { kind: 'presence-list' },
        health: HEALTH_RULE,
        stateVersion: { kind: 'object', allowedExtra: keys('presence', 'health') },
      },
    },
    auth: {
      kind: 'object',
      allowedExtra: keys(
        'role', 'scopes', 'method', 'deviceToken', 'issuedAtMs', 'deviceTokens', 'recoveryScope', 'recoveryMigrationAllowed',
      ),
      // protocol.md 15: recoveryScope's meaning is unknown and the vectors sanitize it like a
      // secret; farclaw does not invent a value for it. recoveryMigrationAllowed (sent to device
      // connections) only lets a client migrate to the server's recoveryScope, so it goes with it.
      mayOmit: keys('recoveryScope', 'recoveryMigrationAllowed'),
    },
    policy: {
      kind: 'object',
      allowedExtra: keys(
        'maxPayload', 'maxBufferedBytes', 'tickIntervalMs', 'attachments', 'allowedSessionVisibilities',
        'hasMultipleSessionSharingIdentities',
      ),
    },
  },
};

/** Result rules of successful responses, by request method (protocol.md 11). */
export const RESULT_RULES: Readonly<Record<string, ShapeRule>> = {
  connect: HELLO_OK_RULE,
  health: HEALTH_RULE,
  status: {
    kind: 'object',
    allowedExtra: keys(
      'runtimeVersion', 'hostDesktop', 'heartbeat', 'channelSummary', 'queuedSystemEvents', 'degradedSecretOwners',
      'degradedPlugins', 'tasks', 'taskAudit', 'sessions', 'modelRuntime', 'eventLoop', 'processMemory',
      'workerPools', 'pid', 'shutdownBudget', 'cliProjection',
    ),
  },
  'system-presence': { kind: 'presence-list' },
  // 11.5 lists the keys and ends with "…": an open object.
  'config.get': { kind: 'object', allowedExtra: 'any' },
  'logs.tail': { kind: 'object', allowedExtra: keys('file', 'cursor', 'size', 'lines', 'truncated', 'reset', 'skippedBytes') },
  // 11.12: "last heartbeat event or null".
  'last-heartbeat': { kind: 'kind-only' },
  'models.list': { kind: 'object', allowedExtra: keys('models') },
  'agents.list': {
    kind: 'object',
    allowedExtra: keys('defaultId', 'ownership', 'selectionRequired', 'mainKey', 'scope', 'agents'),
  },
  'gateway.identity.get': { kind: 'object', allowedExtra: keys('deviceId', 'publicKey') },
};

/** Event payload rules (protocol.md 3.1, 8). */
export const EVENT_RULES: Readonly<Record<string, ShapeRule>> = {
  // 3.1: "A gateway MAY send [] or omit it."
  'connect.challenge': { kind: 'object', allowedExtra: keys('nonce', 'ts', 'capabilities'), mayOmit: keys('capabilities') },
  tick: { kind: 'object', allowedExtra: keys('ts') },
  health: HEALTH_RULE,
  presence: { kind: 'object', allowedExtra: keys('presence'), children: { presence: { kind: 'presence-list' } } },
  shutdown: { kind: 'object', allowedExtra: keys('reason', 'restartExpectedMs') },
};

/**
 * SessionRow (assistant.md 1.2): "Only `key` and `kind` are required; the real gateway sends
 * ~40–90 optional fields." Extras allowed are the fields it lists as the ones clients use.
 */
export const SESSION_ROW_FIELDS: readonly string[] = [
  'key', 'kind', 'sessionId', 'label', 'displayName', 'derivedTitle', 'lastMessagePreview', 'agentId', 'chatType', 'classification',
  'isMain', 'isBackground', 'updatedAt', 'createdAt', 'createdVia', 'status', 'hasActiveRun', 'activeRunIds', 'activeLeafEntryId',
  'model', 'modelProvider', 'contextTokens', 'totalTokens', 'totalTokensFresh', 'thinkingLevel', 'pinned', 'archived', 'unread',
  'visibility', 'participants', 'participantCount', 'agentRuntime',
];
export const SESSION_ROW_RULE: ShapeRule = { kind: 'object', allowedExtra: keys(...SESSION_ROW_FIELDS), requiredOnly: keys('key', 'kind') };

/** assistant.md 3.5: common chat payload fields plus each state's own. */
const CHAT_EVENT_RULE: ShapeRule = {
  kind: 'object',
  allowedExtra: keys(
    'runId', 'sessionKey', 'agentId', 'seq', 'state', 'phase', 'retry', 'deltaText', 'message', 'replace', 'stopReason',
    // "final … usage may be present"; "error … errorDetail?, errorKind?"
    'usage', 'errorMessage', 'errorDetail', 'errorKind',
  ),
  mayOmit: keys('errorDetail'),
};

/** Result rules of the assistant methods (assistant.md 3–5). */
export const ASSISTANT_RESULT_RULES: Readonly<Record<string, ShapeRule>> = {
  // 3.1: "The Control UI also sees `messageSeq` and `serverTiming` in the ack, and `interruptedActiveRun`".
  'chat.send': { kind: 'object', allowedExtra: keys('runId', 'status', 'messageSeq', 'serverTiming', 'interruptedActiveRun', 'summary', 'stopReason', 'endedAt') },
  // 4.2: the result table (ok / error / timeout / pending).
  'agent.wait': {
    kind: 'object',
    allowedExtra: keys('runId', 'status', 'startedAt', 'endedAt', 'stopReason', 'livenessState', 'terminalReceipt', 'terminalReply', 'error', 'timeoutPhase', 'providerStarted'),
  },
  'sessions.describe': SESSION_ROW_RULE,
};

/** Event payload rules of the assistant surface (assistant.md 3.5, 3.7, 4.3). */
export const ASSISTANT_EVENT_RULES: Readonly<Record<string, ShapeRule>> = {
  chat: CHAT_EVENT_RULE,
  // 3.7: `{sessionKey, agentId, reason?, phase?, runId?, ts, status?, hasActiveRun, activeRunIds, session:<row>, …row fields…}`.
  'sessions.changed': {
    kind: 'object',
    allowedExtra: keys('sessionKey', 'agentId', 'reason', 'phase', 'runId', 'ts', 'status', 'hasActiveRun', 'activeRunIds', 'session', ...SESSION_ROW_FIELDS),
    requiredOnly: keys('sessionKey', 'agentId', 'reason', 'phase', 'runId', 'ts', 'session'),
    children: { session: SESSION_ROW_RULE },
  },
  // 3.7: `{sessionKey, agentId, message:<row>, messageId, messageSeq, senderIsOwner?, session:<SessionRow>, …the row fields flattened…}`.
  'session.message': {
    kind: 'object',
    allowedExtra: keys('sessionKey', 'agentId', 'message', 'messageId', 'messageSeq', 'senderIsOwner', 'session', ...SESSION_ROW_FIELDS),
    requiredOnly: keys('sessionKey', 'agentId', 'message', 'messageId', 'messageSeq', 'session'),
    children: { session: SESSION_ROW_RULE },
  },
  // 4.3: the envelope is exact (nothing beyond the capture); `tool` events also carry the session
  // row flattened and as `session`, whose fields beyond the envelope are optional as in every
  // other row-carrying event (1.2: "Only `key` and `kind` are required").
  agent: {
    kind: 'object',
    allowedExtra: keys(),
    requiredOnly: keys('runId', 'stream', 'data', 'sessionKey', 'agentId', 'seq', 'ts', 'isHeartbeat', 'sessionId', 'lane', 'session'),
    children: { session: SESSION_ROW_RULE },
  },
};

/**
 * Events that report progress as often as the run has some (`task` upserts follow the run's
 * activity, assistant.md 3.7): the first captured one must arrive, further ones may or may not,
 * and every one we send is shape-checked against the capture.
 */
export const PROGRESS_EVENTS: ReadonlySet<string> = keys('task');

/** Used for a payload whose method/event has no rule: the captured keys exactly. */
export const CLOSED_RULE: ShapeRule = { kind: 'object', allowedExtra: keys() };

/** Frame keys a server may add to the captured envelope (protocol.md 2.2, 2.3). */
export const NO_EXTRA: ReadonlySet<string> = keys();
/** "A failed response may still carry a `payload`." */
export const RES_FAILURE_EXTRA: ReadonlySet<string> = keys('payload');
/** `recipientProfileId` is optional on events; `seq`/`stateVersion` must match the capture. */
export const EVENT_FRAME_EXTRA: ReadonlySet<string> = keys('recipientProfileId');

/** ErrorShape (protocol.md 2.2); `details` is `any`, so its extra keys are allowed. */
export const ERROR_RULE: ShapeRule = {
  kind: 'object',
  allowedExtra: keys('code', 'message', 'details', 'retryable', 'retryAfterMs'),
  children: { details: { kind: 'object', allowedExtra: 'any' } },
};

/**
 * Control UI boot requests for features farclaw does not have (assistant.md 11.7 lists the boot
 * sequence; 11.8: with only connect, chat.startup, chat.history, chat.send, sessions.list and
 * sessions.messages.subscribe the real UI loads and chats, "other failures only log console
 * errors"). A captured success may be answered with our `unknown method` error or, for a method
 * the protocol knows, UNAVAILABLE with details.code METHOD_NOT_IMPLEMENTED: a note, not a mismatch.
 */
export const OPTIONAL_UI_METHODS: ReadonlySet<string> = keys(
  'update.status', 'plugins.controlUi.list', 'plugin.approval.list', 'openclaw.approval.list', 'plugin.surface.refresh',
  'sessions.observer.visibility', 'board.get', 'projects.list', 'question.list', 'models.authStatus', 'agent.identity.get',
  'sessions.viewers.set', 'sessions.github.options', 'talk.catalog', 'session.members.listEvidence',
  'controlUi.sessionPullRequests.subscribe', 'users.prefs.get', 'sessions.groups.list', 'progressCard.get',
  'sessions.groups.defaults', 'taskSuggestions.list', 'system.info', 'sessions.branches.list', 'session.discussion.info',
  'sessions.companion.state', 'tasks.list', 'mentions.list', 'cron.list', 'cron.status', 'sessions.catalog.list',
);

/** Events that only follow one of the optional methods above (`controlUi.sessionPullRequests.subscribe`). */
export const OPTIONAL_UI_EVENTS: ReadonlySet<string> = keys('controlUi.sessionPullRequests.changed');

/** Server events that may or may not show up between other frames (brief: never a reason to flake). */
export const UNSOLICITED_EVENTS: ReadonlySet<string> = keys('health', 'presence', 'tick');

/**
 * A run on a gateway without model credentials (chat.json): OpenClaw names its default provider's
 * missing credential; issue 14 wants our message to name exactly what to set, so ours is compared
 * by its fixed first sentence instead.
 */
const NO_MODEL_MATCHER = {
  why: 'no model configured: OpenClaw names its default provider (openai), farclaw names every setting that would fix it',
  matches: (expected: string, actual: string) => expected === actual ||
    expected.includes('No route-compatible authentication source is configured') && actual.startsWith('No model provider is configured.'),
};

/**
 * Error messages that are not compared verbatim, by request method, with the reason.
 * Everything else is compared exactly.
 */
export const MESSAGE_MATCHERS: Readonly<Record<string, { why: string; matches: (expected: string, actual: string) => boolean }>> = {
  'chat.send': NO_MODEL_MATCHER,
  agent: NO_MODEL_MATCHER,
  send: {
    why: 'the text after the first sentence names the OpenClaw CLI (`openclaw channels add`); protocol.md 11.6 quotes only the first sentence',
    matches: (expected, actual) => firstSentence(expected) === firstSentence(actual),
  },
};

function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end === -1 ? text : text.slice(0, end + 1);
}
