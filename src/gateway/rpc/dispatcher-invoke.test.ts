import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { startInProcessGateway } from '../../../test/helpers/in-process-gateway.js';
import { tmpHome, type TmpHome } from '../../../test/helpers/tmp-home.js';
import type { ClientInfo } from '../../protocol/schema/connect.js';
import type { Gateway } from '../gateway.js';
import type { Principal } from './context.js';
import { defineMethod, Dispatcher, SerialisedPayload } from './dispatcher.js';

const client: ClientInfo = { id: 'cli', version: '1', platform: 'linux', mode: 'cli' };
const operator = (scopes: string[]): Principal => ({
  connId: 'test-conn', role: 'operator', scopes, client, isLocal: true, remoteAddress: '127.0.0.1', authMethod: 'token', connectedAtMs: 0,
});

// Handlers called through the dispatcher with a principal and no socket (style guide: like
// hono's app.request). The services are a real gateway's, on a fresh state dir.
describe('Dispatcher.invoke (socket-free request path)', () => {
  let home: TmpHome;
  let gateway: Gateway;
  before(async () => {
    home = tmpHome();
    ({ gateway } = await startInProcessGateway(home, { token: 'dispatcher-invoke-token-0123456789' }));
  });
  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  it('answers health to an operator with no scopes', async () => {
    const res = await gateway.dispatcher.invoke('health', {}, operator([]));
    assert.equal(res.ok, true);
    assert.equal((res as { payload: { ok?: boolean } }).payload.ok, true);
    assert.deepEqual(res.earlier, []);
  });

  it('rejects status without operator.read with the missing-scope error', async () => {
    const res = await gateway.dispatcher.invoke('status', {}, operator([]));
    assert.equal(res.ok, false);
    assert.deepEqual(res.ok ? undefined : res.error, {
      code: 'FORBIDDEN', message: 'missing scope: operator.read',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.read', requiredScopes: ['operator.read'] },
    });
  });

  it('rejects params that fail the method schema with INVALID_REQUEST', async () => {
    const res = await gateway.dispatcher.invoke('node.describe', {}, operator(['operator.read']));
    assert.equal(res.ok, false);
    assert.match(res.ok ? '' : res.error.message, /^invalid node\.describe params: /);
  });

  it('rejects pairing approval without operator.pairing scope', async () => {
    const res = await gateway.dispatcher.invoke('device.pair.approve', { requestId: 'x' }, operator(['operator.write']));
    assert.equal(res.ok ? undefined : res.error.message, 'missing scope: operator.pairing');
  });

  it('lets a handler stream: an early accepted response, then the final one with the same id', async () => {
    const streaming = defineMethod('agent', Type.Object({ message: Type.String() }), async (ctx, params) => {
      ctx.accept({ status: 'accepted' });
      await new Promise((r) => setImmediate(r));
      return { status: 'ok', echo: params.message };
    });
    const d = new Dispatcher([streaming], gateway.services);
    const res = await d.invoke('agent', { message: 'hi' }, operator(['operator.write']));
    assert.deepEqual(res.earlier.map((f) => (f.ok ? f.payload : undefined)), [{ status: 'accepted' }]);
    assert.equal(res.earlier[0]?.id, res.id);
    assert.deepEqual(res.ok ? res.payload : undefined, { status: 'ok', echo: 'hi' });
  });

  it('turns a result that cannot be serialised into an error for that request only', async () => {
    const cyclic = defineMethod('health', Type.Object({}), () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      return a;
    });
    const res = await new Dispatcher([cyclic], gateway.services).invoke('health', {}, operator([]));
    assert.equal(res.ok, false);
    assert.deepEqual(res.ok ? undefined : res.error.details, { code: 'RESPONSE_NOT_SERIALISABLE' });
  });

  it('hides the message of an unexpected failure behind a generic UNAVAILABLE', async () => {
    const failing = defineMethod('health', Type.Object({}), () => {
      throw new Error('secret internals');
    });
    const res = await new Dispatcher([failing], gateway.services).invoke('health', {}, operator([]));
    assert.deepEqual(res.ok ? undefined : res.error, { code: 'UNAVAILABLE', message: 'internal error', retryable: true });
  });

  it('answers a synchronous handler before handle returns, and an async one through its promise', async () => {
    const sync = defineMethod('health', Type.Object({}), () => ({ answer: 1 }));
    const later = defineMethod('status', Type.Object({}), async () => ({ answer: 2 }));
    const d = new Dispatcher([sync, later], gateway.services);
    const got: string[] = [];
    const sink = { sendReply: (text: string) => void got.push(text) };
    const handled = d.handle(operator(['operator.read']), { type: 'req', id: 'a', method: 'health' }, sink);
    assert.equal(handled instanceof Promise, false);
    assert.deepEqual(got.map((t) => JSON.parse(t) as unknown), [{ type: 'res', id: 'a', ok: true, payload: { answer: 1 } }]);
    const pending = d.handle(operator(['operator.read']), { type: 'req', id: 'b', method: 'status' }, sink);
    assert.ok(pending instanceof Promise);
    assert.equal(got.length, 1, 'the async answer is not written before its promise settles');
    assert.deepEqual(await pending, { isRoleViolation: false });
    assert.deepEqual(JSON.parse(got[1] ?? 'null'), { type: 'res', id: 'b', ok: true, payload: { answer: 2 } });
  });

  it('splices a SerialisedPayload into the response as the same value the snapshot holds', async () => {
    const res = await gateway.dispatcher.invoke('health', {}, operator([]));
    assert.deepEqual(res.ok ? res.payload : undefined, JSON.parse(JSON.stringify(gateway.services.health.get())));
    const raw = defineMethod('health', Type.Object({}), () => new SerialisedPayload('{"pre":"serialised"}'));
    const spliced = await new Dispatcher([raw], gateway.services).invoke('health', {}, operator([]));
    assert.deepEqual(spliced.ok ? spliced.payload : undefined, { pre: 'serialised' });
  });
});
