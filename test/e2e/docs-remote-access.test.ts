// docs/remote-access.md cannot drift from the code: every ```sh block of the guide runs, in
// order, in one fresh HOME, against a real sshd and our gateway (the "server" is this host).
// The guide's placeholders are replaced by the test's values; no service manager is asked
// (FARCLAW_SERVICE_MANAGER=none), and ssh gets the sshd's known_hosts via FARCLAW_SSH_CONFIG.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { FARCLAW_BIN, REPO_ROOT } from '../helpers/paths.js';
import { runInProcessGroup } from '../helpers/process-group.js';
import { tunnelSshPids } from '../helpers/ssh-procs.js';
import { startSshd } from '../helpers/sshd.js';

const GUIDE = join(REPO_ROOT, 'docs', 'remote-access.md');

/** The guide's ```sh blocks, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

describe('docs/remote-access.md', () => {
  const { defer, home } = useDisposers();

  it('has shell blocks for the server, the laptop config, plain commands, the managed tunnel and services', () => {
    const blocks = shellBlocks(readFileSync(GUIDE, 'utf8')).join('\n');
    for (const cmd of ['farclaw gateway install', 'farclaw.json', 'farclaw health', 'farclaw tunnel up', 'farclaw tunnel status', 'farclaw tunnel down', 'farclaw tunnel install']) {
      assert.ok(blocks.includes(cmd), `no sh block runs ${cmd}`);
    }
  });

  it('runs every sh block of the guide against a real sshd and gateway', async () => {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', TEST_TOKEN] });
    defer(() => gw.stop('SIGKILL'));
    const h = home();
    const bin = join(h.home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'farclaw'), `#!/bin/sh\nexec "${process.execPath}" "${FARCLAW_BIN}" "$@"\n`);
    chmodSync(join(bin, 'farclaw'), 0o755);
    const env = {
      ...h.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FARCLAW_SSH_CONFIG: sshd.sshConfigFile, FARCLAW_SERVICE_MANAGER: 'none',
    };
    defer(async () => await runInProcessGroup(join(bin, 'farclaw'), ['tunnel', 'down'], { env, cwd: h.home, timeoutMs: 20_000 }));
    const blocks = shellBlocks(readFileSync(GUIDE, 'utf8'));
    for (const [i, raw] of blocks.entries()) {
      const script = raw
        .replaceAll('you@gateway-host', sshd.target)
        .replaceAll('tok-REPLACE-ME-0123456789abcdef', TEST_TOKEN)
        .replaceAll('18789', String(gw.port));
      const r = await runInProcessGroup('/bin/bash', ['-euo', 'pipefail', '-c', script], { env, cwd: h.home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `block ${i + 1} failed:\n${raw}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    }
    assert.deepEqual(tunnelSshPids(sshd.port), [], 'the guide left an ssh running');
  });
});
