/**
 * Who receives an event the chat service emits; the gateway maps this onto its connections.
 * - `run`: chat/agent events of a run, to every operator that may read (`toolEvents` ones only
 *   to connections that sent caps ["tool-events"], assistant.md 8.6);
 * - `session`: `session.message`, to connections subscribed to that key;
 * - `sessions`: `sessions.changed`, to connections that called `sessions.subscribe`;
 * - `operators`: every operator that may read (`chat.metadata.changed`, a plain broadcast on the
 *   real gateway: chat.json's watcher got it without subscribing).
 */
export type Audience =
  | { kind: 'run'; sessionKey: string; toolEvents?: boolean }
  | { kind: 'operators' }
  | { kind: 'session'; sessionKey: string }
  | { kind: 'sessions' };

/** Where the chat service sends its events (the gateway's broadcaster, or a test's list). */
export interface ChatEventSink {
  /**
   * @param live part of a reply's streaming text: sent the moment the job that emitted it ends.
   *   Other events may wait for the end of the tick, so those emitted around a run's awaits share
   *   one socket write.
   */
  emit(event: string, payload: Record<string, unknown>, audience: Audience, live?: boolean): void;
  /**
   * Whether anyone could receive an event for `audience` now; false lets the service skip
   * building it (a session row and its JSON per `sessions.changed`, `session.message` or a run's
   * tool event). A sink without it receives every event.
   */
  isHeard?(audience: Audience): boolean;
}

/** One event of a run, as in-process callers (channels, node tools) receive it. */
export interface RunEvent {
  event: string;
  payload: Record<string, unknown>;
}
