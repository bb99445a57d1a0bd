import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessGateway } from '../../../test/helpers/in-process-gateway.js';
import { tmpHome } from '../../../test/helpers/tmp-home.js';
import type { Gateway } from '../gateway.js';
import type { Principal } from '../rpc/context.js';
import { presenceEntryOf } from '../presence/client-presence.js';
import type { ConnectAuth } from './connect-auth.js';
import { buildHelloOk, helloOkJson, serialiseHelloOk, sharedHelloParts } from './hello-ok.js';

const principal = (over: Partial<Principal>): Principal => ({
  connId: 'c-1',
  role: 'operator',
  scopes: ['operator.read'],
  client: { id: 'cli', version: '1.0.0', platform: 'linux', mode: 'cli' },
  isLocal: true,
  remoteAddress: '127.0.0.1',
  authMethod: 'token',
  connectedAtMs: 1,
  ...over,
});

describe('hello-ok text', () => {
  const home = tmpHome();
  let gateway: Gateway;

  before(async () => {
    ({ gateway } = await startInProcessGateway(home, { token: 'hello-ok-test-token-0123456789' }));
    // A connected app with awkward strings, so presence is not empty and needs escaping.
    const app = principal({ connId: 'c-app', client: { id: 'openclaw-macos', version: '2', platform: 'darwin', mode: 'ui', displayName: 'Ann\'s "Mac" \u2014 é\n' } });
    gateway.services.presence.upsert('c-app', presenceEntryOf(app, 2));
  });

  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  const cases: { name: string; p: Principal; auth: ConnectAuth }[] = [
    { name: 'a read-only CLI', p: principal({}), auth: { method: 'token', scopes: ['operator.read'] } },
    { name: 'an admin (config paths, auth mode)', p: principal({ scopes: ['operator.admin'] }), auth: { method: 'token', scopes: ['operator.admin'] } },
    { name: 'a probe without read access (no presence)', p: principal({ scopes: [], client: { id: 'cli', version: '1', platform: 'linux', mode: 'probe' } }), auth: { method: 'token', scopes: [] } },
    {
      name: 'a paired node handed its device tokens',
      p: principal({ role: 'node', scopes: [], deviceId: 'd-1', declared: { caps: [], commands: ['system.run'] } }),
      auth: {
        method: 'bootstrap-token', scopes: [], deviceId: 'd-1', deviceToken: 'tok-node', issuedAtMs: 5,
        deviceTokens: [{ deviceToken: 'tok-op', role: 'operator', scopes: ['operator.read'], issuedAtMs: 5 }],
      },
    },
  ];

  for (const c of cases) {
    it(`is JSON.stringify of the hello-ok object, key for key, for ${c.name}`, () => {
      const { services, dispatcher } = gateway;
      const now = Date.now();
      const text = helloOkJson(services, dispatcher.advertisedMethods, c.p, 4, now, c.auth);
      const shared = sharedHelloParts(dispatcher.advertisedMethods, services.tickIntervalMs);
      const hello = buildHelloOk(services, shared, services.health.get(false, now), c.p, 4, now, c.auth);
      assert.equal(text, JSON.stringify(hello));
      assert.deepEqual(Object.keys(JSON.parse(text) as object).at(-1), 'policy');
    });
  }

  it('serialises every connection the same shared parts, made once per gateway', () => {
    const { services, dispatcher } = gateway;
    const a = sharedHelloParts(dispatcher.advertisedMethods, services.tickIntervalMs);
    assert.equal(sharedHelloParts(dispatcher.advertisedMethods, services.tickIntervalMs), a);
    assert.deepEqual(JSON.parse(a.featuresJson), { methods: [...dispatcher.advertisedMethods], events: a.features.events, capabilities: a.features.capabilities });
    assert.ok(a.features.methods.includes('health'));
    assert.equal(JSON.parse(a.policyJson).tickIntervalMs, services.tickIntervalMs);
  });

  it('falls back to a plain stringify for a hello-ok not built on the shared parts', () => {
    const { services, dispatcher } = gateway;
    const now = Date.now();
    const shared = sharedHelloParts(dispatcher.advertisedMethods, services.tickIntervalMs);
    const hello = buildHelloOk(services, shared, services.health.get(false, now), principal({}), 4, now, { method: 'token', scopes: [] });
    const edited = { ...hello, features: { ...hello.features, methods: ['health'] } };
    assert.equal(serialiseHelloOk(edited, shared, services.health.getJson(now)), JSON.stringify(edited));
  });
});
