import { after, before } from 'node:test';
import { startGateway, TEST_TOKEN, type GatewayOptions, type RunningGateway } from './gateway-process.js';
import { startFakeModel, type FakeModel } from './fake-model.js';
import { RawClient, connectParams, type Frame } from './raw-client.js';
import { tmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';

/** A farclaw config whose model is the fake model server (assistant.md 9). */
export function fakeModelConfig(fake: FakeModel, api: 'openai-completions' | 'anthropic-messages' = 'openai-completions', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } },
    models: { providers: { fake: { baseUrl: fake.baseUrl, apiKey: 'sk-fake', api, models: [{ id: 'fake-model', name: 'Fake Model', contextWindow: 128000, maxTokens: 4096 }] } } },
    agents: { defaults: { model: { primary: 'fake/fake-model' }, ...extra } },
  };
}

/** Starts a real gateway process talking to the fake model. */
export async function startChatGateway(fake: FakeModel, opts: Partial<GatewayOptions> & { agentDefaults?: Record<string, unknown> } = {}): Promise<RunningGateway> {
  const { agentDefaults, ...rest } = opts;
  return await startGateway({ config: fakeModelConfig(fake, 'openai-completions', agentDefaults ?? {}), ...rest });
}

/** What `gatewayWith` sets up for a `describe`; the fields are filled in its `before` hook. */
export interface ChatGatewayFixture {
  fake: FakeModel;
  gw: RunningGateway;
  home: TmpHome;
  /** An admin operator with the `tool-events` cap. */
  c: RawClient;
  /** The config the gateway started with (to start another on the same home). */
  config: Record<string, unknown>;
}

/**
 * Declares the `before`/`after` hooks of a `describe` whose agent runs tools: the fake model, a
 * gateway in its own home (with `tools.exec` = `exec` when given, and `env` over the home's) and an
 * operator connection. A test may replace `gw` and `c` (a restart); whatever is there at the end is closed.
 */
export function gatewayWith(opts: { exec?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): ChatGatewayFixture {
  const ctx = {} as ChatGatewayFixture;
  before(async () => {
    ctx.fake = await startFakeModel();
    ctx.home = tmpHome();
    ctx.config = { ...fakeModelConfig(ctx.fake), ...(opts.exec ? { tools: { exec: opts.exec } } : {}) };
    ctx.gw = await startGateway({ home: ctx.home, ...(opts.env ? { env: opts.env } : {}), config: ctx.config });
    ctx.c = await operator(ctx.gw.url, ['tool-events']);
  });
  after(async () => {
    ctx.c?.terminate();
    await ctx.gw?.stop();
    await ctx.fake?.close();
    ctx.home?.dispose();
  });
  return ctx;
}

/** An admin operator connection (token auth), optionally with caps such as `tool-events`. */
export async function operator(url: string, caps: string[] = []): Promise<RawClient> {
  const c = await RawClient.open(url);
  const hello = await c.connect({
    ...connectParams(TEST_TOKEN), caps,
    scopes: ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'],
  });
  if (!hello.ok) throw new Error(`connect failed: ${JSON.stringify(hello.error)}`);
  return c;
}

/** Event names `c` received that its hello-ok did not advertise in `features.events` (should be none). */
export function unadvertisedEvents(c: RawClient): string[] {
  const hello = c.frames.find((f) => f.type === 'res' && f.payload?.type === 'hello-ok');
  const advertised = new Set<string>(hello?.payload?.features?.events ?? []);
  return [...new Set(c.frames.filter((f) => f.type === 'event' && !advertised.has(String(f.event))).map((f) => String(f.event)))];
}

/** Chat events of one run, in arrival order. */
export function chatEvents(c: RawClient, runId: string): Frame[] {
  return c.frames.filter((f) => f.type === 'event' && f.event === 'chat' && f.payload?.runId === runId);
}

/** Waits for the terminal chat event (final, aborted or error) of a run. */
export async function waitTerminal(c: RawClient, runId: string, timeoutMs = 30_000): Promise<Frame> {
  return await waitFor(`terminal chat state of ${runId}`, () => chatEvents(c, runId).find((f) => ['final', 'aborted', 'error'].includes(f.payload?.state)), timeoutMs);
}
