import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSystemPrompt } from './system-prompt.js';

const now = Date.UTC(2026, 11, 2, 12, 0, 0);

test('the workspace files that exist join the prompt in their order, each capped; the others and folders are left out', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-prompt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'USER.md'), 'The owner is Ada.');
  writeFileSync(join(dir, 'AGENTS.md'), 'x'.repeat(25_000));
  mkdirSync(join(dir, 'SOUL.md'));
  writeFileSync(join(dir, 'NOTES.md'), 'not a workspace file');
  const prompt = buildSystemPrompt({ workspaceDir: dir, now, extra: 'Extra line.' });
  assert.match(prompt, /Current date and time \(UTC\): 2026-12-02T12:00:00\.000Z\./);
  assert.ok(prompt.includes(`## AGENTS.md\n\n${'x'.repeat(20_000)}\n\n## USER.md\n\nThe owner is Ada.\n\nExtra line.`));
  assert.ok(!prompt.includes('x'.repeat(20_001)));
  assert.ok(!prompt.includes('SOUL.md') && !prompt.includes('NOTES.md') && !prompt.includes('TOOLS.md'));
});

test('a missing workspace folder gives the prompt without workspace sections', () => {
  const prompt = buildSystemPrompt({ workspaceDir: join(tmpdir(), 'farclaw-no-such-workspace'), now });
  assert.ok(prompt.startsWith('You are a personal assistant running inside farclaw'));
  assert.ok(!prompt.includes('## '));
});
