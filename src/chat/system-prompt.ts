import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Workspace files read into the prompt, as OpenClaw's defaults describe them (kept simple). */
const WORKSPACE_FILES = ['AGENTS.md', 'SOUL.md', 'USER.md', 'TOOLS.md'];
const MAX_FILE_CHARS = 20_000;

/**
 * The system prompt of a run: who the assistant is, the date, and the workspace files that
 * exist (each capped), so an owner can shape the assistant without code.
 */
export function buildSystemPrompt(opts: { workspaceDir?: string; now: number; extra?: string }): string {
  const parts = [
    'You are a personal assistant running inside farclaw, an OpenClaw-compatible gateway.',
    'Answer concisely. Use the tools you are given when they help; never invent tool results.',
    `Current date and time (UTC): ${new Date(opts.now).toISOString()}.`,
  ];
  if (opts.workspaceDir) {
    // One listing instead of a read per name: a read of a missing file throws, and building those
    // errors was 0.3 ms of every run with no workspace files (bench:tools profile).
    const present = workspaceNames(opts.workspaceDir);
    for (const name of WORKSPACE_FILES) {
      if (!present.has(name)) continue;
      let text: string;
      try {
        text = readFileSync(join(opts.workspaceDir, name), 'utf8');
      } catch {
        continue;
      }
      parts.push(`## ${name}\n\n${text.slice(0, MAX_FILE_CHARS)}`);
    }
  }
  if (opts.extra) parts.push(opts.extra);
  return parts.join('\n\n');
}

function workspaceNames(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}
