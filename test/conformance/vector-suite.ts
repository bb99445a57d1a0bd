import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, TEST_TOKEN, type GatewayOptions, type RunningGateway } from '../helpers/gateway-process.js';
import { formatMismatches, replayConnection } from './conn-replay.js';
import { ReplaySession } from './device-replay.js';
import { connections, loadVector } from './vector-file.js';

/** Gateway flags for a token-auth gateway with no config file (the brief's first option). */
export const TOKEN_GATEWAY: GatewayOptions = { args: ['--allow-unconfigured', '--token', TEST_TOKEN] };

/** The same gateway described by a config file, for vectors that read the config back. */
export const TOKEN_CONFIG_GATEWAY: GatewayOptions = {
  config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } },
};

/** A whole connection can wait for several frames of up to 15 s each. */
export const CONNECTION_TIMEOUT_MS = 120_000;

export interface VectorSuiteOptions {
  /** File name under vectors/ without `.json`. */
  name: string;
  gateway?: GatewayOptions;
  /**
   * Client frames this vector is known not to replay, as reported by the replay
   * (`frame #i (c2s …): reason`). The suite fails when the real skip list differs.
   */
  expectedSkips?: string[];
  /**
   * State the capture took for granted, established before the first connection (e.g. a device
   * already paired). Gets the gateway URL and the file's replay session (for its test keys).
   */
  setup?: (url: string, session: ReplaySession) => Promise<void>;
}

/** A token gateway that, like the capturing one, approves no device by itself (protocol.md 6.1). */
export const MANUAL_PAIRING_GATEWAY: GatewayOptions = {
  config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, nodes: { pairing: { autoApproveLocal: false } } } },
};

/**
 * Declares one `describe` per vector file: one gateway process for the whole file,
 * one test per captured connection, and a final test that pins the skip list.
 */
export function describeVector(opts: VectorSuiteOptions): void {
  const file = loadVector(opts.name);
  const expectedSkips = opts.expectedSkips ?? [];
  describe(`vector ${opts.name}`, () => {
    let gw: RunningGateway | undefined;
    const skipped: string[] = [];
    const session = new ReplaySession(file);

    before(async () => {
      gw = await startGateway(opts.gateway ?? TOKEN_GATEWAY);
      await opts.setup?.(gw.url, session);
    });
    after(async () => {
      await gw?.stop();
    });

    for (const [conn, entries] of connections(file)) {
      test(`connection ${conn} gets the captured server frames and close`, { timeout: CONNECTION_TIMEOUT_MS }, async (t) => {
        assert.ok(gw, 'gateway did not start');
        const signedPayloads = file.signedPayloads.filter((p) => p.conn === conn);
        const result = await replayConnection({ url: gw.url, entries, session, signedPayloads });
        for (const note of result.notes) t.diagnostic(note);
        for (const skip of result.skipped) t.diagnostic(`skipped ${skip}`);
        skipped.push(...result.skipped.map((s) => `${conn}: ${s}`));
        if (result.mismatches.length > 0) {
          assert.fail(formatMismatches(`${opts.name} / ${conn}`, result.mismatches));
        }
      });
    }

    test(expectedSkips.length === 0 ? 'replays every client frame of the vector (none skipped)' : `skipped: exactly ${expectedSkips.length} listed client frame(s)`, (t) => {
      for (const skip of skipped) t.diagnostic(`skipped ${skip}`);
      assert.deepEqual(skipped, expectedSkips);
    });
  });
}
