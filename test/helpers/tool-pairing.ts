/**
 * The history check the real providers make before answering, so a gateway that sends an
 * unanswered or stray tool call fails here as it would against the real API (HTTP 400,
 * invalid_request_error), with the providers' own wording of the rule.
 *
 * - OpenAI chat completions: an assistant message with `tool_calls` must be followed by `tool`
 *   messages answering each id, and a `tool` message must answer one of them.
 * - Anthropic messages: every `tool_use` block needs a `tool_result` block in the very next
 *   message, and a `tool_result` must answer a `tool_use` of the message before it.
 */
export function toolPairingError(api: 'openai' | 'anthropic', body: Record<string, unknown>): string | undefined {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  return api === 'openai' ? openAiError(messages) : anthropicError(messages);
}

function openAiError(messages: Record<string, unknown>[]): string | undefined {
  let open: Set<string> | undefined;
  let openAt = -1;
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      const id = String(m.tool_call_id);
      if (!open?.delete(id)) return `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (messages.[${i}], tool_call_id ${id}).`;
      continue;
    }
    if (open && open.size > 0) return unanswered(openAt, open);
    const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as { id?: unknown }[]) : [];
    open = m.role === 'assistant' && calls.length > 0 ? new Set(calls.map((c) => String(c.id))) : undefined;
    openAt = i;
  }
  return open && open.size > 0 ? unanswered(openAt, open) : undefined;
}

function unanswered(at: number, ids: Set<string>): string {
  return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id' (messages.[${at}]). The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`;
}

function anthropicError(messages: Record<string, unknown>[]): string | undefined {
  let uses: string[] = [];
  for (const [i, m] of messages.entries()) {
    const blocks = Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [];
    const results = new Set(blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id)));
    const missing = uses.filter((id) => !results.has(id));
    if (missing.length > 0) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    const stray = [...results].filter((id) => !uses.includes(id));
    if (stray.length > 0) {
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    uses = m.role === 'assistant' ? blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id)) : [];
  }
  return uses.length > 0 ? `messages: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${uses.join(', ')}.` : undefined;
}
