import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { ChatSession } from '../ui/chat-session.js';
import { useAction, useConnectionState, useGatewayQuery } from '../ui/hooks.js';
import { Markdown } from '../ui/markdown.js';
import { Row } from '../ui/transcript.js';

interface SessionRow {
  key: string;
  label?: string;
  displayName?: string;
  derivedTitle?: string;
  updatedAt?: number;
}

const DEFAULT_SESSION = 'agent:main:main';

function Sidebar(props: { client: BrowserGatewayClient; current: string; onPick: (key: string) => void }) {
  const list = useGatewayQuery<{ sessions: SessionRow[] }>(props.client, 'sessions.list', { limit: 200 }, ['sessions.changed']);
  const action = useAction();
  const online = useConnectionState(props.client).kind === 'online';
  useEffect(() => {
    if (online) void props.client.request('sessions.subscribe', {}).catch(() => undefined);
  }, [props.client, online]);
  const sessions = list.data?.sessions ?? [];
  const keys = sessions.some((s) => s.key === props.current) ? sessions : [{ key: props.current }, ...sessions];
  const create = () => action.run(async () => {
    let key = `agent:main:dashboard:${crypto.randomUUID()}`;
    try {
      key = (await props.client.request<{ key: string }>('sessions.create', {})).key;
    } catch {
      // Without sessions.create a new key is created by its first chat.send (assistant.md 1.1).
    }
    props.onPick(key);
    list.reload();
  });
  return (
    <aside class="sessions" data-testid="sessions">
      <button onClick={create} disabled={action.busy} data-testid="new-session">New session</button>
      {list.error ? <p class="error">{list.error}</p> : null}
      <ul>
        {keys.map((s) => (
          <li key={s.key}>
            <a
              href="#"
              class={s.key === props.current ? 'active' : ''}
              data-testid="session-link"
              data-session-key={s.key}
              onClick={(e) => {
                e.preventDefault();
                props.onPick(s.key);
              }}
            >
              {(s as SessionRow).label ?? (s as SessionRow).derivedTitle ?? (s as SessionRow).displayName ?? s.key}
            </a>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function Conversation(props: { client: BrowserGatewayClient; session: ChatSession }) {
  const { client, session } = props;
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((n) => n + 1), []);
  const [draft, setDraft] = useState('');
  const state = useConnectionState(client);
  const online = state.kind === 'online';
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => session.subscribe(rerender), [session]);
  useEffect(() => client.onEvent((e) => session.handleEvent(e)), [client, session]);
  useEffect(() => {
    if (!online) return;
    // Back online: catch up from the cursor, then send what was typed meanwhile.
    void (async () => {
      try {
        // Subscriptions belong to a connection: ask again after every reconnect.
        void client.request('sessions.messages.subscribe', { key: session.sessionKey, includeApprovals: true }).catch(() => undefined);
        await (session.loaded ? session.catchUp() : session.load());
        const approvals = await client.request<unknown[]>('exec.approval.list', {}).catch(() => []);
        for (const a of Array.isArray(approvals) ? approvals : []) session.addApproval(a as Record<string, unknown>);
      } catch (err) {
        session.error = err instanceof Error ? err.message : String(err);
        rerender();
      }
      await session.flush();
    })();
  }, [session, online]);
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [session.rows.length, session.stream?.text.length]);
  const submit = (e: Event) => {
    e.preventDefault();
    const text = draft.trim();
    if (text === '') return;
    session.send(text);
    setDraft('');
  };
  return (
    <div class="conversation">
      <div class="transcript" data-testid="transcript">
        {session.hasMore ? <button class="older" onClick={() => void session.loadOlder()} data-testid="load-older">Load older messages</button> : null}
        {session.rows.map((row, i) => <Row key={row.__openclaw?.id ?? i} row={row} />)}
        {session.outbox.map((o) => <div key={o.idempotencyKey} class="msg user pending" data-testid="msg-pending"><div class="plain">{o.text}</div><span class="muted">{online ? 'sending…' : 'waiting for the connection'}</span></div>)}
        {session.stream ? <div class="msg assistant streaming" data-testid="msg-streaming"><Markdown text={session.stream.text} /></div> : null}
        {[...session.approvals.values()].map((a) => (
          <div class="approval" key={a.id} data-testid="approval">
            <p>The assistant wants to run{a.host ? ` on ${a.host}` : ''}:</p>
            <pre>{a.commandText}</pre>
            {a.allowedDecisions.includes('allow-once') ? <button onClick={() => void session.resolveApproval(a.id, 'allow-once')} data-testid="approval-allow">Allow once</button> : null}
            <button class="danger" onClick={() => void session.resolveApproval(a.id, 'deny')} data-testid="approval-deny">Deny</button>
          </div>
        ))}
        {session.error ? <p class="error" data-testid="chat-error">{session.error}</p> : null}
        <div ref={bottom} />
      </div>
      <form class="composer" onSubmit={submit}>
        <textarea
          value={draft}
          placeholder="Message your assistant"
          data-testid="composer"
          onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) submit(e);
          }}
        />
        <button type="submit" data-testid="send">Send</button>
        {session.stream ? <button type="button" class="danger" onClick={() => void session.abort()} data-testid="abort">Stop</button> : null}
      </form>
    </div>
  );
}

/** Chat: sessions on the left, the selected session's transcript and composer on the right. */
export function ChatPage(props: { client: BrowserGatewayClient }) {
  const state = useConnectionState(props.client);
  const defaults = state.kind === 'online' ? (state.hello.snapshot.sessionDefaults as { mainSessionKey?: string } | undefined) : undefined;
  const [key, setKey] = useState<string | undefined>(undefined);
  const current = key ?? defaults?.mainSessionKey ?? DEFAULT_SESSION;
  const sessions = useRef(new Map<string, ChatSession>());
  const session = useMemo(() => {
    let s = sessions.current.get(current);
    if (!s) sessions.current.set(current, (s = new ChatSession(props.client, current)));
    return s;
  }, [props.client, current]);
  return (
    <section class="chat" data-testid="chat-page">
      <Sidebar client={props.client} current={current} onPick={setKey} />
      <Conversation key={current} client={props.client} session={session} />
    </section>
  );
}
