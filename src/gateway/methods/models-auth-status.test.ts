import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { FarclawConfig } from '../../infra/config-schema.js';
import { listProviders, PROBE_BURST, PROBE_WINDOW_MS, probeOnce } from './models-auth-status.js';

const statuses = (config: FarclawConfig, env: NodeJS.ProcessEnv = {}) => listProviders(config, env).map((p) => p.status);

describe('models.authStatus providers', () => {
  it('reports where a key comes from, never the key, and strips credentials from the URL', () => {
    const [s] = statuses(
      { models: { providers: { acme: { baseUrl: 'https://user:pw@llm.example/v1?x=1', apiKey: { source: 'env', id: 'ACME_KEY' } } } } },
      { ACME_KEY: 'sk-secret-value' },
    );
    assert.deepEqual(s, {
      provider: 'acme', authProvider: 'acme', displayName: 'acme', status: 'static', profiles: [],
      apiKey: { source: 'env', envVar: 'ACME_KEY' }, baseUrl: 'https://llm.example/v1',
    });
    assert.doesNotMatch(JSON.stringify(s), /sk-secret-value|pw@/);
  });

  it('marks a provider missing when its key variable is unset or a remote one has no key; a loopback server needs none', () => {
    const [unset, remote, local] = statuses({
      models: {
        providers: {
          a: { baseUrl: 'https://a.example/v1', apiKey: { source: 'env', id: 'A_KEY' } },
          b: { baseUrl: 'https://b.example/v1' },
          c: { baseUrl: 'http://127.0.0.1:11434/v1' },
        },
      },
    });
    assert.equal(unset?.status, 'missing');
    assert.match(unset?.problem ?? '', /A_KEY, which is not set/);
    assert.deepEqual([remote?.status, remote?.problem], ['missing', 'models.providers.b.apiKey is not set']);
    assert.deepEqual([local?.status, local?.apiKey], ['static', undefined]);
  });

  it('adds OPENAI_API_KEY and ANTHROPIC_API_KEY providers unless config names them', () => {
    const env = { OPENAI_API_KEY: 'k1', ANTHROPIC_API_KEY: 'k2' };
    assert.deepEqual(statuses({}, env).map((s) => [s.provider, s.apiKey?.envVar]), [['openai', 'OPENAI_API_KEY'], ['anthropic', 'ANTHROPIC_API_KEY']]);
    const shadowed = statuses({ models: { providers: { openai: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'x' } } } }, env);
    assert.deepEqual(shadowed.map((s) => [s.provider, s.apiKey?.source]), [['openai', 'config'], ['anthropic', 'env']]);
    assert.deepEqual(statuses({}, {}), []);
  });

  it('shares one probe between overlapping callers and starts at most PROBE_BURST per window', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits += 1;
      res.writeHead(req.headers.authorization === 'Bearer right' ? 200 : 401).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const [right] = listProviders({ models: { providers: { p: { baseUrl, apiKey: 'right' } } } }, {});
      const [wrong] = listProviders({ models: { providers: { p: { baseUrl, apiKey: 'wrong' } } } }, {});
      assert.ok(right && wrong);
      const t0 = Date.now();
      const answers = await Promise.all(Array.from({ length: 20 }, () => probeOnce(right, t0)));
      assert.equal(hits, 1, 'overlapping callers did not share one probe');
      assert.ok(answers.every((a) => a.ok && a.httpStatus === 200));
      for (let i = 1; i < PROBE_BURST; i++) await probeOnce(right, t0 + i);
      assert.equal(hits, PROBE_BURST, 'a person re-running the check gets fresh probes');
      for (let i = 0; i < 10; i++) assert.equal((await probeOnce(right, t0 + 100 + i)).ok, true);
      assert.equal(hits, PROBE_BURST, 'probes past the burst went out');
      // Another key is another provider: asked, and its refusal is not hidden by the first answer.
      assert.equal((await probeOnce(wrong, t0 + 200)).httpStatus, 401);
      assert.equal(hits, PROBE_BURST + 1);
      await probeOnce(right, t0 + PROBE_WINDOW_MS);
      assert.equal(hits, PROBE_BURST + 2, 'after the window the provider is asked again');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
