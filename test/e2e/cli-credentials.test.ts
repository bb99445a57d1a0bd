// Acceptance D (credential resolution for calls) and E (the --url strictness rule): our CLI
// binary against our gateway, each check in a fresh HOME.
// Expectations: shared/spec/acceptance.md D and E, remote-access.md 7.2, 7.3, 13.1, 13.5, 13.6;
// OpenClaw names mapped to farclaw (FARCLAW_*, ~/.farclaw/farclaw.json, "farclaw does not …").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertExit, assertHasLine, jsonOut, show, stderrLine1, type CliResult } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startTcpTripwire, type TcpTripwire } from '../helpers/tcp-tripwire.js';
import { useDisposers } from '../helpers/disposers.js';
import type { TmpHome } from '../helpers/tmp-home.js';

const T = TEST_TOKEN;
const PW = 'pw-0123456789abcdef0123456789';
const WRONG = 'wrong-0123456789abcdef012345';

const URL_CREDS_FIX = 'Fix: pass --token or --password with --url (or gatewayToken in tools).';
const URL_CREDS_REMOVE = 'For the default local or SSH-tunneled Gateway, remove --url to use the configured target.';
const ENV_URL_CREDS =
  'Set FARCLAW_GATEWAY_TOKEN or FARCLAW_GATEWAY_PASSWORD alongside FARCLAW_GATEWAY_URL; config credentials are intentionally not reused.';

/** The `--json` refusal of a URL override without credentials: type, headline, then `advice` lines. */
function assertCredentialsRequired(r: CliResult, advice: string): void {
  assert.deepEqual(
    jsonOut(r),
    { ok: false, error: { type: 'gateway_credentials_required', message: `gateway url override requires explicit credentials\n${advice}` } },
    show(r),
  );
}


describe('CLI credential resolution and the --url strictness rule (acceptance D, E)', () => {
  let tokenGw: RunningGateway;
  let passwordGw: RunningGateway;
  /** Takes the wrong-credential checks, so a loopback failure delay (6.3) never slows the rest. */
  let negativeGw: RunningGateway;
  before(async () => {
    [tokenGw, passwordGw, negativeGw] = await Promise.all([
      startGateway({ args: ['--token', T] }),
      startGateway({ args: ['--auth', 'password', '--password', PW] }),
      startGateway({ args: ['--token', T] }),
    ]);
  });
  after(async () => {
    await Promise.all([tokenGw?.stop(), passwordGw?.stop(), negativeGw?.stop()]);
  });

  const { defer, home } = useDisposers();
  const tripwire = async (): Promise<TcpTripwire> => {
    const t = await startTcpTripwire();
    defer(() => t.close());
    return t;
  };
  const cli = async (h: TmpHome, args: string[], env: NodeJS.ProcessEnv = {}) => await runFarclaw(args, { ...h.env, ...env });
  const remote = (url: string, extra: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}) => ({
    gateway: { mode: 'remote', ...gateway, remote: { url, ...extra } },
  });
  const assertMismatch = (r: CliResult): void => {
    assertExit(r, 1);
    const err = jsonOut(r).error;
    assert.equal(err?.type, 'gateway_request_error', show(r));
    assert.equal(err?.code, 'INVALID_REQUEST', show(r));
    assert.equal(err?.details?.code, 'AUTH_TOKEN_MISMATCH', show(r));
  };

  // ---- D. Credential resolution ----

  it('D1: in local mode gateway.auth.token beats FARCLAW_GATEWAY_TOKEN (wrong config token → mismatch)', async () => {
    const h = home({ gateway: { mode: 'local', port: negativeGw.port, auth: { token: WRONG } } });
    assertMismatch(await cli(h, ['gateway', 'call', 'health', '--json'], { FARCLAW_GATEWAY_TOKEN: T }));
    const human = await cli(h, ['gateway', 'call', 'health'], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(human, 1);
    assert.equal(
      stderrLine1(human),
      "Gateway call failed: unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)",
      show(human),
    );
    // Said once, without internal class names, with why and the fix (issue 19 item 4).
    assert.equal(human.stderr.split('gateway token mismatch').length, 2, show(human));
    assert.doesNotMatch(human.stderr, /GatewayClientRequestError/, show(human));
    assert.match(human.stderr, /^Why: the token sent .* is not the gateway's\.$/m, show(human));
    assert.match(human.stderr, /^Fix: use the gateway's gateway\.auth\.token \(set gateway\.auth\.token\), then check with: farclaw doctor$/m, show(human));
  });

  it('D2: in local mode a right config token wins over a wrong FARCLAW_GATEWAY_TOKEN', async () => {
    const h = home({ gateway: { mode: 'local', port: tokenGw.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--json'], { FARCLAW_GATEWAY_TOKEN: WRONG });
    assertExit(r, 0);
    assert.equal(jsonOut(r).ok, true, show(r));
  });

  it('D2: a wrong OPENCLAW_GATEWAY_TOKEN fallback does not beat the config token either', async () => {
    const h = home({ gateway: { mode: 'local', port: tokenGw.port, auth: { token: T } } });
    assertExit(await cli(h, ['gateway', 'call', 'health', '--json'], { OPENCLAW_GATEWAY_TOKEN: WRONG }), 0);
  });

  it('D3: in local mode gateway.remote.token is used when gateway.auth.token is not configured', async () => {
    const h = home({ gateway: { mode: 'local', port: tokenGw.port, remote: { token: T } } });
    assertExit(await cli(h, ['gateway', 'call', 'health']), 0);
  });

  it('D4: in remote mode gateway.remote.token beats a wrong FARCLAW_GATEWAY_TOKEN', async () => {
    const h = home(remote(tokenGw.url, { token: T }));
    assertExit(await cli(h, ['health'], { FARCLAW_GATEWAY_TOKEN: WRONG }), 0);
  });

  it('D5: in remote mode without a remote token the CLI falls back to gateway.auth.token', async () => {
    const h = home(remote(tokenGw.url, {}, { auth: { token: T } }));
    assertExit(await cli(h, ['health']), 0);
  });

  it('D6: in remote mode without a remote token FARCLAW_GATEWAY_TOKEN comes before gateway.auth.token', async () => {
    const h = home(remote(tokenGw.url, {}, { auth: { token: WRONG } }));
    assertExit(await cli(h, ['health'], { FARCLAW_GATEWAY_TOKEN: T }), 0);
  });

  it('D7: a wrong remote token fails health with the exact gateway_request_error JSON and a connect-failed line', async () => {
    const h = home(remote(negativeGw.url, { token: WRONG }));
    const message = 'unauthorized: gateway token mismatch (provide gateway auth token)';
    const r = await cli(h, ['health', '--json']);
    assertExit(r, 1);
    const out = jsonOut(r);
    assert.deepEqual(Object.keys(out).sort(), ['error', 'ok'], show(r));
    assert.equal(out.ok, false);
    const { details, ...rest } = out.error as Record<string, unknown>;
    assert.deepEqual(rest, { type: 'gateway_request_error', code: 'INVALID_REQUEST', message, retryable: false }, show(r));
    assert.equal((details as { code?: unknown } | undefined)?.code, 'AUTH_TOKEN_MISMATCH', show(r));
    assert.equal(stderrLine1(r), `Gateway connect failed: ${message}`, show(r));

    const human = await cli(h, ['health']);
    assertExit(human, 1);
    assert.equal(stderrLine1(human), `Gateway connect failed: ${message}`, show(human));
  });

  it('D8: FARCLAW_GATEWAY_URL with FARCLAW_GATEWAY_TOKEN works from an empty home', async () => {
    const h = home();
    assertExit(await cli(h, ['health'], { FARCLAW_GATEWAY_URL: tokenGw.url, FARCLAW_GATEWAY_TOKEN: T }), 0);
  });

  it('D8: the OPENCLAW_GATEWAY_URL / OPENCLAW_GATEWAY_TOKEN names still work as fallbacks', async () => {
    const h = home();
    assertExit(await cli(h, ['health'], { OPENCLAW_GATEWAY_URL: tokenGw.url, OPENCLAW_GATEWAY_TOKEN: T }), 0);
  });

  it('D9: FARCLAW_GATEWAY_URL never reuses config credentials, even a correct token', async () => {
    const h = home({ gateway: { mode: 'local', auth: { token: T } } });
    const r = await cli(h, ['health'], { FARCLAW_GATEWAY_URL: tokenGw.url });
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
    assertHasLine(r.stderr, ENV_URL_CREDS, r);

    const json = await cli(h, ['health', '--json'], { FARCLAW_GATEWAY_URL: tokenGw.url });
    assertExit(json, 1);
    assertCredentialsRequired(json, `${URL_CREDS_FIX}\n${ENV_URL_CREDS}\nConfig: ${h.configPath}`);
  });

  it('D9: without env credentials FARCLAW_GATEWAY_URL is refused before any connection', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'local', port: trap.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health'], { FARCLAW_GATEWAY_URL: trap.url });
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
    assert.equal(await trap.settle(), 0);
  });

  // The spec's D10 uses the default port 18789; a developer's own gateway may hold that, so the
  // check moves the port with the environment instead of skipping (nothing is configured).
  it('D10: with nothing configured, no runtime token and nothing listening, health needs credentials before any websocket', async () => {
    const h = home();
    h.env.FARCLAW_GATEWAY_PORT = String(await freePort());
    const r = await cli(h, ['health']);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway health requires credentials before opening a websocket', show(r));
    const json = await cli(h, ['health', '--json']);
    assertExit(json, 1);
    const err = jsonOut(json).error;
    assert.equal(err?.type, 'gateway_credentials_required', show(json));
    assert.equal(String(err?.message).split('\n')[0], 'gateway health requires credentials before opening a websocket', show(json));
  });

  it('D11: FARCLAW_GATEWAY_PORT with FARCLAW_GATEWAY_PASSWORD reaches a password gateway', async () => {
    const h = home();
    const r = await cli(h, ['health', '--json'], { FARCLAW_GATEWAY_PORT: String(passwordGw.port), FARCLAW_GATEWAY_PASSWORD: PW });
    assertExit(r, 0);
    assert.equal(jsonOut(r).ok, true, show(r));
  });

  it('D11: the OPENCLAW_GATEWAY_PASSWORD name still works as a fallback', async () => {
    const h = home();
    const r = await cli(h, ['health', '--json'], { FARCLAW_GATEWAY_PORT: String(passwordGw.port), OPENCLAW_GATEWAY_PASSWORD: PW });
    assertExit(r, 0);
  });

  it('D12: gateway probe authenticates the configured remote with gateway.remote.token, never gateway.auth.token', async () => {
    const dead = await freePort();
    const h = home(remote(tokenGw.url, { token: T }, { port: dead, auth: { token: WRONG } }));
    const r = await cli(h, ['gateway', 'probe', '--json']);
    assertExit(r, 0);
    const target = (jsonOut(r).targets as Record<string, any>[] | undefined)?.find((x) => x.id === 'configRemote');
    assert.ok(target, show(r));
    assert.equal(target.connect?.ok, true, show(r));
    assert.doesNotMatch(String(target.connect?.error ?? ''), /mismatch/, show(r));
    assert.equal(target.auth?.role, 'operator', show(r));
  });

  it('D12: gateway probe uses FARCLAW_GATEWAY_TOKEN for the remote when no remote credential is configured (code)', async () => {
    const dead = await freePort();
    const h = home(remote(tokenGw.url, {}, { port: dead, auth: { token: WRONG } }));
    const r = await cli(h, ['gateway', 'probe', '--json'], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 0);
    const target = (jsonOut(r).targets as Record<string, any>[] | undefined)?.find((x) => x.id === 'configRemote');
    assert.ok(target, show(r));
    assert.doesNotMatch(String(target.connect?.error ?? ''), /mismatch|device identity required/, show(r));
    assert.equal(target.auth?.role, 'operator', show(r));
  });

  // ---- E. The --url strictness rule ----

  it('E1: gateway call --url without --token/--password fails before connecting, ignoring config and env tokens', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'local', port: trap.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--url', trap.url], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
    assertHasLine(r.stderr, URL_CREDS_REMOVE, r);
    assert.equal(await trap.settle(), 0, 'the CLI connected to the --url target without explicit credentials');
  });

  it('E1: a correct config token and env token are not reused for a live --url gateway', async () => {
    const h = home({ gateway: { mode: 'local', port: tokenGw.port, auth: { token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--url', tokenGw.url], { FARCLAW_GATEWAY_TOKEN: T, OPENCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
  });

  it('E2: gateway call --url --json prints the exact gateway_credentials_required object', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'local', auth: { token: T } } });
    const r = await cli(h, ['gateway', 'call', 'health', '--url', trap.url, '--json'], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 1);
    assertCredentialsRequired(r, `${URL_CREDS_FIX}\n${URL_CREDS_REMOVE}\nConfig: ${h.configPath}`);
    assert.equal(await trap.settle(), 0);
  });

  it('E3: gateway health --url without credentials behaves like gateway call (human and JSON)', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'local', auth: { token: T } } });
    const r = await cli(h, ['gateway', 'health', '--url', trap.url], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
    assertHasLine(r.stderr, URL_CREDS_REMOVE, r);
    const json = await cli(h, ['gateway', 'health', '--url', trap.url, '--json'], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(json, 1);
    assertCredentialsRequired(json, `${URL_CREDS_FIX}\n${URL_CREDS_REMOVE}\nConfig: ${h.configPath}`);
    assert.equal(await trap.settle(), 0);
  });

  it('E4: gateway probe --url without credentials fails with the probe wording and no Config line', async () => {
    const trap = await tripwire();
    const h = home({ gateway: { mode: 'local', auth: { token: T } } });
    const json = await cli(h, ['gateway', 'probe', '--url', trap.url, '--json'], { FARCLAW_GATEWAY_TOKEN: T });
    assertExit(json, 1);
    assertCredentialsRequired(json, `Fix: pass --token or --password with --url.\n${URL_CREDS_REMOVE}`);
    const human = await cli(h, ['gateway', 'probe', '--url', trap.url]);
    assertExit(human, 1);
    assert.equal(stderrLine1(human), 'gateway url override requires explicit credentials', show(human));
    assert.equal(await trap.settle(), 0);
  });

  it('E5: --url with explicit --token, --password, or a password passed as --token succeeds', async () => {
    const h = home();
    const token = await cli(h, ['gateway', 'call', 'health', '--url', tokenGw.url, '--token', T]);
    assertExit(token, 0);
    assert.equal(jsonOut(token).ok, true, show(token));
    assertExit(await cli(h, ['gateway', 'call', 'health', '--url', passwordGw.url, '--password', PW]), 0);
    assertExit(await cli(h, ['gateway', 'call', 'health', '--url', passwordGw.url, '--token', PW]), 0);
  });

  it('E6: gateway status --url without a token is not an error: it probes, reports the refusal, exits 0', async () => {
    const h = home();
    const r = await cli(h, ['gateway', 'status', '--url', tokenGw.url]);
    assertExit(r, 0);
    assert.match(r.stderr, /Connectivity probe: failed/, show(r));
    assert.match(r.stderr, /device identity required/, show(r));
  });

  it('E7: health and status --deep have no --url option', async () => {
    const h = home();
    const health = await cli(h, ['health', '--url', tokenGw.url]);
    assertExit(health, 1);
    assert.equal(stderrLine1(health), 'farclaw does not recognize option "--url".', show(health));
    const status = await cli(h, ['status', '--deep', '--url', tokenGw.url]);
    assertExit(status, 1);
    assert.equal(stderrLine1(status), 'farclaw does not recognize option "--url".', show(status));
  });
});
