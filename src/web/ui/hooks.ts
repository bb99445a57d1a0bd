import { useEffect, useState } from 'preact/hooks';
import type { BrowserGatewayClient, ConnectionState, GatewayEventFrame } from '../client/browser-gateway-client.js';

export function useConnectionState(client: BrowserGatewayClient): ConnectionState {
  const [state, setState] = useState(client.state);
  useEffect(() => client.onState(setState), [client]);
  return state;
}

/** Calls `fn` for every gateway event whose name is in `events`. */
export function useGatewayEvents(client: BrowserGatewayClient, events: readonly string[], fn: (e: GatewayEventFrame) => void): void {
  useEffect(() => client.onEvent((e) => {
    if (events.includes(e.event)) fn(e);
  }), [client, events.join(','), fn]);
}

/**
 * Loads `method` whenever the connection comes (back) online and whenever `refreshOn` events
 * arrive (and every `pollMs` when given, for state that has no event); returns the latest
 * result, the last error message and a reload function.
 */
export function useGatewayQuery<T>(
  client: BrowserGatewayClient,
  method: string,
  params: unknown,
  refreshOn: readonly string[] = [],
  pollMs?: number,
): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const state = useConnectionState(client);
  const online = state.kind === 'online';
  const key = JSON.stringify(params);
  useEffect(() => {
    if (!online) return;
    let live = true;
    client.request<T>(method, params).then(
      (result) => live && (setData(result), setError(undefined)),
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [client, method, key, online, generation]);
  useEffect(() => client.onEvent((e) => {
    if (refreshOn.includes(e.event)) setGeneration((g) => g + 1);
  }), [client, refreshOn.join(',')]);
  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(() => setGeneration((g) => g + 1), pollMs);
    return () => clearInterval(timer);
  }, [pollMs]);
  return { data, error, reload: () => setGeneration((g) => g + 1) };
}

/** Runs an action, keeping its error message for display. */
export function useAction(): { busy: boolean; error: string | undefined; run: (fn: () => Promise<unknown>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  return {
    busy,
    error,
    async run(fn) {
      setBusy(true);
      setError(undefined);
      try {
        await fn();
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      } finally {
        setBusy(false);
      }
    },
  };
}
