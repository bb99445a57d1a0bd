// `farclaw logs [--follow] [--json]` over `logs.tail` (issue 19): the local gateway with no
// flags, a gateway named by --url, and a follow that shows lines as they are written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { assertExit, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { withGateway } from '../helpers/with-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

describe('farclaw logs', () => {
  const shared = withGateway();
  const { defer, home } = useDisposers();

  it('prints the local gateway log as human lines with no flags, and JSON lines with --json', async () => {
    const r = await runFarclaw(['logs'], shared.home.env);
    assertExit(r, 0);
    assert.match(r.stdout, /^\d\d:\d\d:\d\d info  farclaw gateway \S+ listening on ws:\/\/127\.0\.0\.1:/m, show(r));
    const j = await runFarclaw(['logs', '--json', '--limit', '2'], shared.home.env);
    assertExit(j, 0);
    const lines = j.stdout.trim().split('\n');
    assert.equal(lines.length, 2, show(j));
    for (const l of lines) assert.equal(typeof (JSON.parse(l) as { msg?: unknown }).msg, 'string');
  });

  it('reads a gateway named by --url with its token', async () => {
    const other = await startGateway({ args: ['--token', TEST_TOKEN] });
    defer(() => other.stop());
    const r = await runFarclaw(['logs', '--url', other.url, '--token', TEST_TOKEN], home().env);
    assertExit(r, 0);
    assert.match(r.stdout, new RegExp(`listening on ws://127\\.0\\.0\\.1:${other.port}`), show(r));
  });

  it('--follow shows a new connection while it happens and exits 0 on Ctrl-C', async () => {
    const follow = spawn(process.execPath, [FARCLAW_BIN, 'logs', '--follow', '--interval', '200'], { env: shared.home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follow.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = once(follow, 'exit') as Promise<[number | null]>;
    try {
      await waitFor('the first batch', () => out.includes('listening on'), 30_000);
      const before = (out.match(/client connected/g) ?? []).length;
      assertExit(await runFarclaw(['gateway', 'call', 'health'], shared.home.env), 0);
      await waitFor('the new connection in the followed log', () => (out.match(/client connected/g) ?? []).length > before, 30_000);
      follow.kill('SIGINT');
      const [code] = await exited;
      assert.equal(code, 0, out);
    } finally {
      follow.kill('SIGKILL');
    }
  });
});
