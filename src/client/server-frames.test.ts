import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { GatewayClient, TransportError } from './gateway-client.js';
import { buildConnectParams } from './frames.js';
import { readServerFrame } from './server-frames.js';

describe('readServerFrame', () => {
  it('accepts a response and an event with unknown extra fields', () => {
    assert.deepEqual(readServerFrame('{"type":"res","id":"1","ok":true,"payload":{"a":1},"extra":true}'), {
      frame: { type: 'res', id: '1', ok: true, payload: { a: 1 }, extra: true },
    });
    assert.deepEqual(readServerFrame('{"type":"event","event":"tick","seq":3}'), { frame: { type: 'event', event: 'tick', seq: 3 } });
  });

  it('names what is wrong with a frame that breaks the protocol', () => {
    assert.deepEqual(readServerFrame('{nope'), { invalid: 'not JSON' });
    assert.deepEqual(readServerFrame('[1]'), { invalid: 'unknown frame type null' });
    assert.deepEqual(readServerFrame('{"type":"hello"}'), { invalid: 'unknown frame type "hello"' });
    const res = readServerFrame('{"type":"res","id":"1","ok":"yes"}');
    assert.ok('invalid' in res && /^response at \/ok: must be boolean/.test(res.invalid), JSON.stringify(res));
    const ev = readServerFrame('{"type":"event","event":"tick","seq":-1}');
    assert.ok('invalid' in ev && /^event at \/seq/.test(ev.invalid), JSON.stringify(ev));
    const err = readServerFrame('{"type":"res","id":"1","ok":false,"error":{"code":"X"}}');
    assert.deepEqual(err, { invalid: "response at /error: must have required property 'message'" });
  });
});

describe('GatewayClient against a server that breaks the protocol', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A ws server on port 0 that runs `onSocket` for each connection. */
  async function server(onSocket: (ws: WebSocket) => void): Promise<string> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    wss.on('connection', onSocket);
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }));
    return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  }

  const params = buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'test', scopes: [] });

  async function connectFails(url: string): Promise<TransportError> {
    const gc = new GatewayClient();
    cleanups.push(() => gc.close());
    const err = await gc.connect(url, params, 60_000).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TransportError, String(err));
    return err;
  }

  it('fails the connect on a challenge without a nonce instead of signing undefined', async () => {
    const url = await server((ws) => ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { ts: 1 } })));
    const err = await connectFails(url);
    assert.match(err.message, /^gateway sent an invalid connect\.challenge: must have required property 'nonce'$/);
  });

  it('fails the connect on a hello-ok of the wrong shape instead of trusting it', async () => {
    const url = await server((ws) => {
      ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n', ts: 1 } }));
      ws.on('message', (data) => {
        const req = JSON.parse(data.toString()) as { id: string };
        ws.send(JSON.stringify({ type: 'res', id: req.id, ok: true, payload: { type: 'hello-ok', protocol: 'three' } }));
      });
    });
    const err = await connectFails(url);
    assert.match(err.message, /^gateway sent an invalid hello-ok: .*at \/protocol: must be integer/);
  });

  it('fails the connect on a frame that is not JSON', async () => {
    const url = await server((ws) => ws.send('not json'));
    const err = await connectFails(url);
    assert.equal(err.message, 'gateway sent an invalid frame: not JSON');
  });
});
