// Pre-auth resource limits (issue 12.5): a real deadline from TCP accept, and a per-address
// budget that a flood of idle or slowloris sockets cannot turn into a lockout of its address.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PREAUTH_MAX_PER_ADDRESS } from '../../src/gateway/ingress/preauth-budget.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import WebSocket from 'ws';
import { waitFor } from '../helpers/wait-for.js';

/** The deadline of this file's gateway: short, so the tests see it pass. */
const DEADLINE_MS = 3_000;

/** A TCP socket to the gateway from a chosen loopback source address; resolves once connected. */
function tcpFrom(localAddress: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

const isClosed = (s: Socket): boolean => s.destroyed || s.readyState === 'closed';

function closedPromise(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (isClosed(s)) return resolve();
    s.once('close', () => resolve());
    s.on('error', () => undefined);
  });
}

/** A well-behaved local client (the CLI arrives from 127.0.0.1 too): connects and authenticates. */
async function cliConnects(url: string): Promise<boolean> {
  const c = await RawClient.open(url);
  try {
    return (await c.connect(connectParams(TEST_TOKEN))).ok === true;
  } finally {
    c.terminate();
  }
}

describe('pre-auth deadline and budget (issue 12.5)', () => {
  let gw: RunningGateway;
  const held: Socket[] = [];
  before(async () => {
    gw = await startGateway({ args: ['--token', TEST_TOKEN], env: { FARCLAW_HANDSHAKE_TIMEOUT_MS: String(DEADLINE_MS) } });
  });
  after(async () => {
    for (const s of held) s.destroy();
    await gw.stop();
  });

  test('a socket that never sends a request line is closed at the deadline, counted from accept', async () => {
    const silent = await tcpFrom('127.0.0.5', gw.port);
    held.push(silent);
    // Node's own headersTimeout would have held it for 60–90 s.
    await waitFor('the silent socket to be closed', () => isClosed(silent), 20_000);
  });

  test('a slowloris request head (one byte at a time) is closed at the deadline too', async () => {
    const slow = await tcpFrom('127.0.0.6', gw.port);
    held.push(slow);
    slow.on('error', () => undefined);
    const head = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ' + 'a'.repeat(4096);
    let i = 0;
    const drip = setInterval(() => {
      if (!isClosed(slow)) slow.write(head[i++ % head.length] ?? 'a');
    }, 100);
    try {
      await waitFor('the slowloris socket to be closed', () => isClosed(slow), 20_000);
    } finally {
      clearInterval(drip);
    }
  });

  test(`${PREAUTH_MAX_PER_ADDRESS} idle sockets from 127.0.0.1 do not lock the local CLI out: the oldest idle one makes room`, async () => {
    const flood: Socket[] = [];
    for (let i = 0; i < PREAUTH_MAX_PER_ADDRESS; i++) flood.push(await tcpFrom('127.0.0.1', gw.port));
    held.push(...flood);
    assert.equal(await cliConnects(gw.url), true, 'the CLI was locked out by idle sockets of its address');
    await closedPromise(flood[0] as Socket);
    assert.equal(flood.filter(isClosed).length < PREAUTH_MAX_PER_ADDRESS, true, 'more than the oldest was evicted');
  });

  test('a flood renewing idle sockets forever from 127.0.0.1 never locks the CLI out', async () => {
    let stop = false;
    const flooder = (async () => {
      while (!stop) {
        try {
          held.push(await tcpFrom('127.0.0.1', gw.port));
        } catch {
          // refused or reset: keep going
        }
        if (held.length > 4 * PREAUTH_MAX_PER_ADDRESS) held.splice(0, PREAUTH_MAX_PER_ADDRESS).forEach((s) => s.destroy());
      }
    })();
    try {
      for (let i = 0; i < 5; i++) assert.equal(await cliConnects(gw.url), true, `CLI connect ${i} during the flood`);
    } finally {
      stop = true;
      await flooder;
    }
  });

  test('other addresses keep their own budget, and authenticated connections do not count', async () => {
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
    const other = await tcpFrom('127.0.0.3', gw.port);
    held.push(other);
    other.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const answered = await new Promise<boolean>((resolve) => {
      other.once('data', () => resolve(true));
      other.once('close', () => resolve(false));
    });
    assert.equal(answered, true);
  });
  test('a socket refused before hello-ok reads none of what its client queued after the refusal', async () => {
    const ws = new WebSocket(gw.url, { perMessageDeflate: false });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve) => ws.once('message', () => resolve())); // connect.challenge
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // Not a connect: refused at once. Then 30 MB queued behind it, more than both kernels buffer.
    ws.send(JSON.stringify({ type: 'req', id: 'x', method: 'health', params: {} }));
    const junk = 'z'.repeat(60_000);
    for (let i = 0; i < 500; i++) ws.send(junk);
    // What this side still held just before the socket ended (a destroyed socket reports 0).
    let lastQueued = ws.bufferedAmount;
    const sampler = setInterval(() => (lastQueued = ws.bufferedAmount), 5);
    const code = await closed;
    clearInterval(sampler);
    assert.equal(code, 1008);
    // The gateway stopped reading at the refusal and cut the socket: most of it never left this
    // side. Had it kept reading through the close handshake, the buffer would have drained first.
    assert.ok(lastQueued > 10_000_000, `${lastQueued} bytes still queued at the close`);
  });
});
