import { startGateway, TEST_TOKEN, type GatewayOptions, type RunningGateway } from './gateway-process.js';
import type { FakeModel } from './fake-model.js';
import { RawClient, connectParams, type Frame } from './raw-client.js';
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
