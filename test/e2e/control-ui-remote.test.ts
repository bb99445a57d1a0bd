// The Control UI the ways a user reaches it from another machine: a browser on the LAN (a real
// network namespace, gateway on `--bind lan` with its TLS certificate) that waits for approval
// and becomes the app without a reload once an operator approves it in their own page; and
// `farclaw dashboard` (local, and through a real sshd tunnel opened by the command).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spkiSha256 } from '../../src/infra/tls-pin.js';
import { freshPage, launchChromium, launchChromiumIn } from '../helpers/browser.js';
import { goTo, waitForApp } from '../helpers/control-ui-page.js';
import { useDisposers } from '../helpers/disposers.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { createNetnsPair } from '../helpers/netns.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { tunnelSshPids } from '../helpers/ssh-procs.js';
import { startSshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

/** The first `Control UI: <url>` line of a dashboard output. */
const urlIn = (out: string): string | undefined => /^Control UI: (\S+)$/m.exec(out)?.[1];

describe('Control UI from other machines', () => {
  const { defer, home } = useDisposers();

  it('a LAN browser waits for approval with its request id, then becomes the app without a reload', { timeout: 180_000 }, async () => {
    const pair = await createNetnsPair();
    defer(() => pair.dispose());
    // Readiness is checked by the operator's browser below: https with our own certificate.
    const gw = await startGateway({
      config: { gateway: { mode: 'local', tls: { enabled: true } } },
      args: ['--bind', 'lan', '--token', TEST_TOKEN],
      spawnPrefix: pair.gateway.prefix,
      waitReady: false,
    });
    defer(() => gw.stop());
    const certFile = join(gw.home.stateDir, 'gateway', 'tls', 'gateway-cert.pem');
    await waitFor('the gateway certificate', () => existsSync(certFile), 30_000);
    // Both browsers trust exactly the gateway's key, as a user who accepted its certificate does.
    const cert = new X509Certificate(readFileSync(certFile));
    const trust = `--ignore-certificate-errors-spki-list=${Buffer.from(spkiSha256(cert), 'hex').toString('base64')}`;
    const remoteBrowser = await launchChromiumIn(pair.client.prefix, [trust]);
    defer(() => remoteBrowser.close());
    const operatorBrowser = await launchChromiumIn(pair.gateway.prefix, [trust]);
    defer(() => operatorBrowser.close());

    const remote = await freshPage(remoteBrowser);
    await waitFor('the gateway to serve its page', async () => {
      try {
        return (await remote.page.goto(`https://${pair.gateway.address}:${gw.port}/healthz`))?.status() === 200;
      } catch {
        return false;
      }
    }, 30_000);
    await remote.page.goto(`https://${pair.gateway.address}:${gw.port}/#token=${TEST_TOKEN}`);
    const idCell = remote.page.locator('[data-testid=pairing-request-id]');
    await idCell.waitFor({ timeout: 30_000 });
    const requestId = (await idCell.innerText()).trim();
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    await remote.page.evaluate('window.__sameDocument = true');

    const operator = await freshPage(operatorBrowser);
    await operator.page.goto(`https://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
    await waitForApp(operator.page);
    await goTo(operator.page, 'devices');
    const row = operator.page.locator(`[data-testid=pending-device][data-request-id="${requestId}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), new RegExp(pair.client.address.replace(/\./g, '\\.')));
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached', timeout: 20_000 });

    await waitForApp(remote.page, 30_000);
    assert.equal(await remote.page.evaluate('window.__sameDocument'), true, 'the page reloaded');
    await goTo(remote.page, 'devices');
    await remote.page.locator('[data-testid=paired-device]').first().waitFor({ timeout: 20_000 });
    assert.equal(await remote.page.locator('[data-testid=paired-device]').count(), 2);
  });

  it('farclaw dashboard prints a tokenized URL that opens the app; --open hands it to $BROWSER', { timeout: 90_000 }, async () => {
    const gw = await startGateway({ config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } } });
    defer(() => gw.stop());
    const out = await runFarclaw(['dashboard'], { ...gw.home.env, FARCLAW_GATEWAY_PORT: String(gw.port) });
    assert.equal(out.code, 0, out.stderr);
    const url = urlIn(out.stdout);
    assert.equal(url, `http://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
    const browser = await launchChromium();
    defer(() => browser.close());
    const { page } = await freshPage(browser);
    await page.goto(url ?? '');
    await waitForApp(page);

    const opened = join(gw.home.home, 'opened-url');
    const fakeBrowser = join(gw.home.home, 'fake-browser.sh');
    writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    const withOpen = await runFarclaw(['dashboard', '--open'], { ...gw.home.env, FARCLAW_GATEWAY_PORT: String(gw.port), BROWSER: fakeBrowser });
    assert.equal(withOpen.code, 0, withOpen.stderr);
    await waitFor('the browser command to run', () => {
      try {
        return readFileSync(opened, 'utf8') === url;
      } catch {
        return false;
      }
    });
  });

  it('farclaw dashboard opens the SSH tunnel first, the page works through it, Ctrl+C closes it', { timeout: 120_000 }, async () => {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', TEST_TOKEN] });
    defer(() => gw.stop());
    const h = home({
      gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: sshd.target, sshIdentity: sshd.clientKey, remotePort: gw.port, token: TEST_TOKEN } },
    });
    const env = { ...h.env, FARCLAW_SSH_CONFIG: sshd.sshConfigFile };
    const cli = spawn(process.execPath, [FARCLAW_BIN, 'dashboard'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    defer(() => cli.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    await waitFor('the dashboard URL', () => urlIn(stdout) !== undefined, 30_000);
    const url = urlIn(stdout) ?? '';
    const local = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=/.exec(url);
    assert.ok(local, url);
    assert.notEqual(Number(local[1]), gw.port, 'the URL should be the tunnel end, not the gateway port');
    assert.match(stderr, /press Ctrl\+C to close it/);
    assert.equal(tunnelSshPids(sshd.port).length, 1);

    const browser = await launchChromium();
    defer(() => browser.close());
    const { page } = await freshPage(browser);
    await page.goto(url);
    await waitForApp(page);
    await goTo(page, 'devices');
    // Through the tunnel the browser is a direct-local peer: paired silently (protocol.md 6.1).
    assert.match(await page.locator('[data-testid=paired-device]').first().innerText(), /silent/);

    cli.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    await waitFor('the tunnel to close', () => tunnelSshPids(sshd.port).length === 0, 15_000);
  });
});
