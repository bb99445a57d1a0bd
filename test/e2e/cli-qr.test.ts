// `farclaw qr`: our CLI binary against our real gateway process, in temp homes. The gateway
// listens on loopback, so the URL in the code comes from `--url` (the LAN-bind default is covered
// by setup-code.test.ts, inside network namespaces). A device that uses a printed code is played
// by a raw socket with a real device proof. Expectations: OpenClaw's `openclaw qr` (flags, JSON
// keys setupCode/gatewayUrl/auth/urlSource), protocol.md 4.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeSetupCode } from '../../src/protocol/setup-code.js';
import { assertExit, jsonOut, linesOf, show, stderrLine1 } from '../helpers/cli-output.js';
import { connectWith, nodeParams } from '../helpers/device-session.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { newTestDevice } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

const LAN_URL = 'ws://192.168.77.5:18789';
const APPROVE_HINT = ['  farclaw devices list', '  farclaw devices approve <requestId>'];
const strip = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('farclaw qr against a real gateway', () => {
  let gw: RunningGateway;
  /** A second machine's CLI: remote mode toward the gateway. */
  let laptop: TmpHome;

  before(async () => {
    const port = await freePort();
    gw = await startGateway({ port, config: { gateway: { mode: 'local', port, auth: { mode: 'token', token: TEST_TOKEN } } } });
    laptop = tmpHome('farclaw-qr-laptop-');
    laptop.writeConfig({ gateway: { mode: 'remote', remote: { url: gw.url, token: TEST_TOKEN } } });
  });
  after(async () => {
    await gw?.stop();
    laptop?.dispose();
  });

  /** The CLI on the gateway host: its config names the gateway's port and token. */
  const qr = async (args: string[], env = gw.home.env) => await runFarclaw(['qr', ...args], env);

  /** Connects a fresh node device with the bootstrap token of `setupCode`. */
  async function redeem(setupCode: string) {
    const { client, res } = await connectWith(gw.url, { ...nodeParams(), auth: { bootstrapToken: decodeSetupCode(setupCode).bootstrapToken } }, newTestDevice());
    client.terminate();
    return res;
  }

  it('prints a QR code, the setup code and how to approve, and the code pairs a device once', async () => {
    const r = await qr(['--url', LAN_URL]);
    assertExit(r, 0);
    const lines = linesOf(strip(r.stdout));
    const codeLine = lines.find((l) => l.startsWith('Setup code: '));
    assert.ok(codeLine, show(r));
    const setupCode = codeLine.slice('Setup code: '.length);
    assert.equal(decodeSetupCode(setupCode).url, LAN_URL);
    const qrLines = lines.filter((l) => /[█▀▄]/.test(l));
    assert.ok(qrLines.length >= 15, `a QR code of at least 15 lines\n${show(r)}`);
    assert.ok(r.stdout.includes('\u001b[47m\u001b[30m'), 'drawn black on white');
    for (const line of [`Gateway:    ${LAN_URL}`, 'Auth:       token', 'Source:     request.publicUrl', ...APPROVE_HINT]) {
      assert.ok(lines.includes(line), `missing ${JSON.stringify(line)}\n${show(r)}`);
    }
    assert.match(lines.find((l) => l.startsWith('Expires:')) ?? '', /^Expires: {4}in 10 minutes \(\d\d:\d\d UTC\); works once$/);
    assert.ok(!r.stdout.includes(TEST_TOKEN), 'the shared token is not printed');
    assert.equal((await redeem(setupCode)).payload?.auth.method, 'bootstrap-token');
    assert.equal((await redeem(setupCode)).error?.details?.code, 'AUTH_BOOTSTRAP_TOKEN_INVALID');
  });

  it('leaves the QR code out with --no-ascii and prints only the code with --setup-code-only', async () => {
    const plain = await qr(['--url', LAN_URL, '--no-ascii']);
    assertExit(plain, 0);
    assert.equal(/[█▀▄\u001b]/.test(plain.stdout), false, show(plain));
    assert.ok(linesOf(plain.stdout).some((l) => l.startsWith('Setup code: ')), show(plain));
    const only = await qr(['--public-url', LAN_URL, '--setup-code-only']);
    assertExit(only, 0);
    const lines = linesOf(only.stdout);
    assert.equal(lines.length, 1, show(only));
    assert.equal(decodeSetupCode(String(lines[0])).url, LAN_URL);
  });

  it('prints setupCode, gatewayUrl, auth, urlSource, access and expiresAtMs with --json', async () => {
    const startedAt = Date.now();
    const r = await qr(['--url', LAN_URL, '--json']);
    assertExit(r, 0);
    const out = jsonOut(r);
    assert.deepEqual(Object.keys(out), ['setupCode', 'gatewayUrl', 'auth', 'urlSource', 'access', 'expiresAtMs']);
    assert.deepEqual({ ...out, setupCode: typeof out.setupCode, expiresAtMs: typeof out.expiresAtMs }, {
      setupCode: 'string', gatewayUrl: LAN_URL, auth: 'token', urlSource: 'request.publicUrl', access: 'limited', expiresAtMs: 'number',
    });
    assert.ok(out.expiresAtMs >= startedAt + 10 * 60_000 - 1_000 && out.expiresAtMs <= Date.now() + 10 * 60_000);
    assert.equal(decodeSetupCode(out.setupCode).expiresAtMs, out.expiresAtMs);
    assert.equal(r.stderr, '', show(r));
  });

  it('asks the gateway at gateway.remote.url with --remote and puts that URL in the code', async () => {
    const r = await qr(['--remote', '--json'], laptop.env);
    assertExit(r, 0);
    const out = jsonOut(r);
    assert.equal(out.gatewayUrl, gw.url);
    assert.equal(decodeSetupCode(out.setupCode).url, gw.url);
  });

  it('refuses --token together with --password, and unknown flags, before calling anyone', async () => {
    const both = await qr(['--token', 'a', '--password', 'b']);
    assertExit(both, 1);
    assert.equal(stderrLine1(both), 'qr failed: use either --token or --password, not both.', show(both));
    const json = await qr(['--token', 'a', '--password', 'b', '--json']);
    assertExit(json, 1);
    assert.deepEqual(jsonOut(json), { ok: false, error: { type: 'cli_error', message: 'use either --token or --password, not both.' } });
    const bogus = await qr(['--bogus']);
    assertExit(bogus, 1);
    assert.equal(stderrLine1(bogus), 'farclaw does not recognize option "--bogus".', show(bogus));
    const remoteless = await qr(['--remote']);
    assertExit(remoteless, 1);
    assert.equal(stderrLine1(remoteless), `qr failed: --remote needs gateway.remote.url in ${gw.home.configPath}.`, show(remoteless));
  });

  it('reports an unreachable gateway in one line with exit 1', async () => {
    const dead = await freePort();
    const r = await qr(['--port', String(dead), '--token', TEST_TOKEN, '--url', LAN_URL]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), `Gateway not reachable at ws://127.0.0.1:${dead} (ECONNREFUSED).`, show(r));
    assert.equal(r.stdout, '');
  });

  it('passes on the gateway\u2019s refusals: plaintext to a tailnet host, a loopback-only gateway, a wrong token', async () => {
    const tailnet = await qr(['--url', 'ws://100.70.1.2:18789']);
    assertExit(tailnet, 1);
    assert.match(stderrLine1(tailnet), /^qr failed: INVALID_REQUEST: Refusing to put plaintext ws:\/\/100\.70\.1\.2:18789 \(from request\.publicUrl\) in a setup code: /, show(tailnet));
    const loopbackOnly = await qr([]);
    assertExit(loopbackOnly, 1);
    assert.match(stderrLine1(loopbackOnly), /^qr failed: INVALID_REQUEST: The gateway listens on loopback only/, show(loopbackOnly));
    const wrong = await qr(['--token', 'not-the-token', '--url', LAN_URL]);
    assertExit(wrong, 1);
    assert.match(wrong.stderr, /gateway token mismatch/, show(wrong));
  });
});
