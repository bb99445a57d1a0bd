import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NoModelError, resolveModel } from '../../src/agent/providers.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';

describe('model provider resolution (assistant.md 9)', () => {
  const { defer } = useDisposers();

  test('agents.defaults.model.primary picks models.providers.<id>', async () => {
    const m = await resolveModel({
      models: { providers: { fake: { baseUrl: 'http://127.0.0.1:1/v1', api: 'anthropic-messages', models: [{ id: 'x', contextWindow: 5000 }] } } },
      agents: { defaults: { model: 'fake/x' } },
    }, {});
    assert.deepEqual([m.provider, m.modelId, m.api, m.contextTokens, m.source], ['fake', 'x', 'anthropic-messages', 5000, 'config']);
  });

  test('a provider without api speaks openai-completions', async () => {
    const m = await resolveModel({ models: { providers: { p: { baseUrl: 'http://127.0.0.1:1/v1' } } }, agents: { defaults: { model: { primary: 'p/m' } } } }, {});
    assert.equal(m.api, 'openai-completions');
  });

  test('an unknown provider in the model ref names the missing key', async () => {
    await assert.rejects(resolveModel({ agents: { defaults: { model: { primary: 'nope/m' } } } }, {}),
      { message: 'agents.defaults.model.primary names provider "nope", but models.providers.nope is not set' });
  });

  test('OPENAI_API_KEY, then ANTHROPIC_API_KEY, are used without config', async () => {
    assert.equal((await resolveModel({}, { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' })).provider, 'openai');
    const a = await resolveModel({}, { ANTHROPIC_API_KEY: 'k' });
    assert.deepEqual([a.provider, a.api], ['anthropic', 'anthropic-messages']);
  });

  test('an Ollama server on loopback is found through OLLAMA_HOST', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const m = await resolveModel({}, { OLLAMA_HOST: new URL(fake.baseUrl).host });
    assert.deepEqual([m.provider, m.modelId, m.source], ['ollama', 'fake-model', 'ollama']);
  });

  test('with nothing configured the error says exactly what to set', async () => {
    const err = await resolveModel({}, { OLLAMA_HOST: '127.0.0.1:9' }).catch((e: unknown) => e);
    assert.ok(err instanceof NoModelError);
    assert.match(err.message, /agents\.defaults\.model\.primary/);
    assert.match(err.message, /OPENAI_API_KEY or ANTHROPIC_API_KEY/);
    assert.match(err.message, /Ollama on 127\.0\.0\.1:11434/);
  });
});
