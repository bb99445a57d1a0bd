import { freePort } from './free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from './gateway-process.js';
import type { FakeTelegram } from './fake-telegram.js';
import type { TmpHome } from './tmp-home.js';

/** A Telegram user for tests (the vector's Ann). */
export const ANN = { id: 777001, first_name: 'Ann', last_name: 'Lab', username: 'ann_lab' };

/** Config of a gateway whose Telegram channel talks to `fake`; `telegram` and `extra` are merged in. */
export function telegramGatewayConfig(
  port: number,
  fake: FakeTelegram,
  telegram: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    gateway: { mode: 'local', port, auth: { mode: 'token', token: TEST_TOKEN } },
    channels: {
      telegram: {
        enabled: true,
        botToken: fake.token,
        apiRoot: fake.apiRoot,
        // Short backoff so fault tests recover quickly; the cap is what an outage converges to.
        retry: { minDelayMs: 200, maxDelayMs: 2_000 },
        ...telegram,
      },
    },
    ...extra,
  };
}

/** Starts `farclaw gateway run` with a Telegram channel on `fake` (in `home` when given, e.g. for a restart). */
export async function startTelegramGateway(
  fake: FakeTelegram,
  opts: { telegram?: Record<string, unknown>; extra?: Record<string, unknown>; home?: TmpHome; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningGateway> {
  const port = await freePort();
  return await startGateway({
    port,
    config: telegramGatewayConfig(port, fake, opts.telegram, opts.extra),
    ...(opts.home ? { home: opts.home } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

/** `farclaw channels status --json` of a running gateway: the first Telegram account. */
export async function telegramStatus(gw: RunningGateway): Promise<Record<string, any> | undefined> {
  const r = await runFarclaw(['channels', 'status', '--json'], gw.home.env);
  if (r.code !== 0) return undefined;
  const payload = JSON.parse(r.stdout) as { channelAccounts?: { telegram?: Record<string, any>[] } };
  return payload.channelAccounts?.telegram?.[0];
}

/** The pairing code in a pairing reply's text. */
export function pairingCodeIn(text: string): string | undefined {
  return /<pre><code>([A-HJ-NP-Z2-9]{8})\n<\/code><\/pre>/.exec(text)?.[1];
}
