// Pre-auth resource limits: one address's flood of unauthenticated sockets cannot starve others.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PREAUTH_MAX_PER_ADDRESS } from '../../src/gateway/ingress/preauth-budget.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

/** A TCP socket to the gateway from a chosen loopback source address; resolves once connected. */
function tcpFrom(localAddress: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Whether the gateway closed the socket (it never answers a silent client before its handshake timeout). */
function closedSoon(s: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    s.once('close', () => resolve(true));
    // The HTTP server only waits for a request head; ask for one to be answered or dropped.
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    s.once('data', () => resolve(false));
  });
}

describe('pre-auth budget per address', () => {
  let gw: RunningGateway;
  const held: Socket[] = [];
  before(async () => {
    gw = await startGateway({ args: ['--token', TEST_TOKEN] });
  });
  after(async () => {
    for (const s of held) s.destroy();
    await gw.stop();
  });

  test(`an address holding ${PREAUTH_MAX_PER_ADDRESS} unauthenticated sockets gets no more, while other addresses still connect`, async () => {
    for (let i = 0; i < PREAUTH_MAX_PER_ADDRESS; i++) held.push(await tcpFrom('127.0.0.2', gw.port));
    const extra = await tcpFrom('127.0.0.2', gw.port);
    held.push(extra);
    assert.equal(await closedSoon(extra), true, 'the socket over budget was served');

    const other = await RawClient.open(gw.url);
    assert.equal((await other.connect(connectParams(TEST_TOKEN))).ok, true);
    other.terminate();
    const third = await tcpFrom('127.0.0.3', gw.port);
    held.push(third);
    assert.equal(await closedSoon(third), false, 'another address was refused');

    // Closing one of the flood's sockets frees its slot.
    held[0]?.destroy();
    const again = await waitFor('a slot for 127.0.0.2 to free up', async () => {
      const s = await tcpFrom('127.0.0.2', gw.port);
      held.push(s);
      return (await closedSoon(s)) ? undefined : s;
    });
    assert.ok(again);
  });

  test('authenticated connections do not count against the budget', async () => {
    const open: RawClient[] = [];
    try {
      for (let i = 0; i < PREAUTH_MAX_PER_ADDRESS + 8; i++) {
        const c = await RawClient.open(gw.url);
        open.push(c);
        assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true, `connection ${i}`);
      }
    } finally {
      for (const c of open) c.terminate();
    }
  });
});
