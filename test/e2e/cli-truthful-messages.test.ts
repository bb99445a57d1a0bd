// Issue 19 items 3 and 4: status --deep runs the security audit and the doctor instead of
// saying they are unavailable; config mistakes name the allowed values and the unknown key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway } from '../helpers/gateway-process.js';

describe('messages that match the product (issue 19 items 3, 4)', () => {
  const { defer, home } = useDisposers();

  it('status --deep shows the security audit summary and the doctor hops', async () => {
    const h = home();
    const gw = await startGateway({ home: h });
    defer(() => gw.stop());
    const r = await runFarclaw(['status', '--deep'], h.env);
    assertExit(r, 0);
    assert.doesNotMatch(r.stdout, /not available in this farclaw version/, show(r));
    assert.match(r.stdout, /^Summary: \d+ critical · \d+ warn · \d+ info/m, show(r));
    assert.match(r.stdout, /^✓ gateway health +ok$/m, show(r));
    const j = jsonOut(await runFarclaw(['status', '--deep', '--json'], h.env));
    assert.equal(j.securityAudit.available, true);
    assert.equal(j.doctor.ok, true);
  });

  it('status --deep against a dead port exits 1 naming the failing hop and its fix', async () => {
    const port = await freePort();
    const h = home({ gateway: { mode: 'local', port } });
    const r = await runFarclaw(['status', '--deep'], h.env);
    assertExit(r, 1);
    assert.match(r.stderr, /^Status check failed: /, show(r));
    assert.match(r.stderr, new RegExp(`^Why: the first broken hop is TCP: nothing answers at 127\\.0\\.0\\.1:${port}`, 'm'), show(r));
    assert.match(r.stderr, new RegExp(`^Fix: farclaw gateway run --port ${port}`, 'm'), show(r));
  });

  it('a config value of the wrong kind names what is allowed', async () => {
    const h = home({ gateway: { auth: { mode: 'tokn', token: 12345 } } });
    const r = await runFarclaw(['health'], h.env);
    assertExit(r, 1);
    assert.match(r.stderr, /at \/gateway\/auth\/mode: must be "none" or "token" or "password" or "trusted-proxy"/, show(r));
    assert.match(r.stderr, /at \/gateway\/auth\/token: must be a string or an object \{source, provider, id\}/, show(r));
  });

  it('gateway run warns about an unknown config key with its path and a did-you-mean', async () => {
    const h = home({ gateway: { mode: 'local', prot: 1 } });
    const gw = await startGateway({ home: h });
    defer(() => gw.stop());
    assert.match(gw.stderr(), /^warning: unknown config key gateway\.prot \(did you mean gateway\.port\?\)/m, gw.stderr());
  });
});
