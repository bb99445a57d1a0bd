import { useEffect, useRef, useState } from 'preact/hooks';
import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { useConnectionState } from '../ui/hooks.js';

const POLL_MS = 1_000;
const KEEP_LINES = 1_000;

interface TailResult {
  cursor: number;
  lines: string[];
  reset?: boolean;
}

function render(line: string): string {
  try {
    const rec = JSON.parse(line) as { time?: number | string; level?: number | string; msg?: string };
    const time = rec.time !== undefined ? new Date(rec.time).toISOString().slice(11, 23) : '';
    return `${time} ${String(rec.level ?? '')} ${rec.msg ?? line}`;
  } catch {
    return line;
  }
}

/** A live tail of the gateway log (`logs.tail` polled from its cursor, protocol.md 11.10). */
export function LogsPage(props: { client: BrowserGatewayClient }) {
  const state = useConnectionState(props.client);
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const cursor = useRef<number | undefined>(undefined);
  const online = state.kind === 'online';
  useEffect(() => {
    if (!online) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const params = cursor.current === undefined ? { limit: 200 } : { cursor: cursor.current, limit: 500 };
        const r = await props.client.request<TailResult>('logs.tail', params);
        if (!live) return;
        cursor.current = r.cursor;
        setError(undefined);
        if (r.lines.length > 0 || r.reset) {
          setLines((old) => [...(r.reset ? [] : old), ...r.lines.map(render)].slice(-KEEP_LINES));
        }
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
      if (live) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.client, online]);
  return (
    <section data-testid="logs-page">
      <h2>Gateway log</h2>
      {error ? <p class="error">{error}</p> : null}
      <pre class="log" data-testid="log-lines">{lines.join('\n')}</pre>
    </section>
  );
}
