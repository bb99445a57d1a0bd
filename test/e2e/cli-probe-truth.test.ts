// Issue 19 item 2: `gateway probe` reports the target commands would use, keeps `--url`
// credentials to that URL, and names the failed-auth delay instead of a bare timeout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { withGateway } from '../helpers/with-gateway.js';

interface ProbeJson {
  ok: boolean;
  warnings: { code: string; message: string }[];
  targets: { id: string; connect: { ok: boolean; rpcOk: boolean; error: string | null } }[];
}

describe('gateway probe tells the truth (issue 19 item 2)', () => {
  const shared = withGateway();

  it('--url with nothing listening: Reachable no, exit 1, and the --url token is not sent to the local gateway', async () => {
    const url = `ws://127.0.0.1:${await freePort()}`;
    const human = await runFarclaw(['gateway', 'probe', '--url', url, '--token', 'x'], shared.home.env);
    assertExit(human, 1);
    assert.match(human.stdout, /^Reachable: no$/m, show(human));
    const r = await runFarclaw(['gateway', 'probe', '--url', url, '--token', 'x', '--json'], shared.home.env);
    assertExit(r, 1);
    const j = jsonOut(r) as unknown as ProbeJson;
    assert.equal(j.ok, false);
    const local = j.targets.find((t) => t.id === 'localLoopback');
    // With the runtime token of its own it reads fine; with "x" it would have been refused.
    assert.deepEqual({ ok: local?.connect.ok, rpcOk: local?.connect.rpcOk }, { ok: true, rpcOk: true }, show(r));
  });

  it('the default probe reads with the local token: no missing-operator.read warning', async () => {
    const r = await runFarclaw(['gateway', 'probe', '--json'], shared.home.env);
    assertExit(r, 0);
    const j = jsonOut(r) as unknown as ProbeJson;
    assert.deepEqual(j.warnings.map((w) => w.code), [], show(r));
  });

  it('after wrong tokens, a probe slowed by the failed-auth delay says so instead of "timeout" and a bug report', async () => {
    const other = await startGateway({ args: ['--token', TEST_TOKEN] });
    try {
      let last: ProbeJson | undefined;
      let text = '';
      for (let i = 0; i < 8; i++) {
        const r = await runFarclaw(['gateway', 'probe', '--url', other.url, '--token', 'wrong-token-0123456789', '--timeout', '700', '--json'], shared.home.env);
        text = show(r);
        last = jsonOut(r) as unknown as ProbeJson;
        if (last.targets.find((t) => t.id === 'explicit')?.connect.error?.includes('rate limited')) break;
      }
      const explicit = last?.targets.find((t) => t.id === 'explicit');
      assert.match(explicit?.connect.error ?? '', /delays answers after failed authentication attempts \(rate limited\)/, text);
      assert.doesNotMatch(JSON.stringify(last?.warnings), /filing a report/, text);
    } finally {
      await other.stop();
    }
  });
});
