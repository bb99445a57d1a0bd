import type { VNode } from 'preact';
import type { TranscriptRow } from './chat-session.js';
import { textOf } from './chat-session.js';
import { Markdown } from './markdown.js';

interface ToolCallPart {
  type: 'toolCall';
  id?: string;
  name?: string;
  arguments?: unknown;
}

const toolCalls = (content: unknown): ToolCallPart[] =>
  Array.isArray(content) ? content.filter((c): c is ToolCallPart => (c as { type?: unknown })?.type === 'toolCall') : [];

/** One transcript row: user text as text, assistant text as safe Markdown, tools collapsed. */
export function Row(props: { row: TranscriptRow }): VNode | null {
  const { row } = props;
  const text = textOf(row.content);
  if (row.role === 'toolResult') {
    return (
      <details class={row.isError ? 'tool error' : 'tool'} data-testid="tool-result">
        <summary>{row.isError ? 'Tool error' : 'Tool output'}: {row.toolName ?? 'tool'}</summary>
        <pre>{text ?? ''}</pre>
      </details>
    );
  }
  if (row.role === 'system') {
    return <div class="msg system">{text ?? ''}</div>;
  }
  const calls = toolCalls(row.content);
  return (
    <div class={`msg ${row.role === 'user' ? 'user' : 'assistant'}`} data-testid={`msg-${row.role}`}>
      {text !== undefined && text !== '' ? (row.role === 'user' ? <div class="plain">{text}</div> : <Markdown text={text} />) : null}
      {calls.map((c) => (
        <details class="tool" data-testid="tool-call">
          <summary>Tool call: {c.name ?? 'tool'}</summary>
          <pre>{JSON.stringify(c.arguments ?? {}, null, 2)}</pre>
        </details>
      ))}
    </div>
  );
}
