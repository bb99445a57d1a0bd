/** Protocol constants and limits (protocol.md 1.1, 3.4). */

export const PROTOCOL_VERSION = 4;
/** A `probe`-mode client or a node may still speak protocol 3 (protocol.md 3.3 step 4). */
export const MIN_PROBE_PROTOCOL = 3;

/** Any frame before hello-ok larger than this closes the socket with 1009. */
export const MAX_PREAUTH_PAYLOAD_BYTES = 65_536;
/** `policy.maxPayload` after the handshake. */
export const MAX_PAYLOAD_BYTES = 26_214_400;
/** `policy.maxBufferedBytes`: a client whose send buffer grows past this is dropped. */
export const MAX_BUFFERED_BYTES = 52_428_800;
/**
 * All sockets' send buffers together: past this the socket holding the most is closed as a
 * slow consumer (issue 12 item 6), so N stalled readers cannot hold N × 50 MiB.
 */
export const MAX_TOTAL_BUFFERED_BYTES = 134_217_728;
/**
 * A socket with more than this waiting to be sent skips events that a later one supersedes
 * (tick, presence, health) instead of queueing them (`dropIfSlow`, protocol.md 1.1).
 */
export const SUPERSEDABLE_SKIP_BUFFERED_BYTES = 1_048_576;
/** Longest client-chosen label in `connect.client` (displayName, platform…), in characters. */
export const MAX_CLIENT_FIELD_CHARS = 256;
export const TICK_INTERVAL_MS = 30_000;
export const HANDSHAKE_TIMEOUT_MS = 15_000;
export const MAX_PENDING_HANDSHAKE_FRAMES = 15;
/** Bytes of frames queued behind an undecided connect (all of them together). */
export const MAX_PENDING_HANDSHAKE_BYTES = 65_536;
export const KEEPALIVE_INTERVAL_MS = 25_000;
export const HEALTH_REFRESH_INTERVAL_MS = 60_000;
/** How long a stopping gateway waits for requests in flight before closing sockets. */
export const SHUTDOWN_DRAIN_MS = 5_000;
export const MAX_TRACEPARENT_CHARS = 128;
/** Unauthorized-role answers in a row before the socket is closed (protocol.md 1.1). */
export const MAX_UNAUTHORIZED_IN_A_ROW = 10;
/** WebSocket close reasons are limited to 123 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Close codes used by the gateway (protocol.md 13). */
export const CloseCode = {
  NORMAL: 1000,
  PROTOCOL_MISMATCH: 1002,
  POLICY: 1008,
  TOO_BIG: 1009,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  TICK_TIMEOUT: 4000,
  CREDENTIALS_INVALIDATED: 4001,
} as const;
