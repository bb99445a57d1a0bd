import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventCork } from './event-cork.js';

/** Resolves after the current tick's nextTick queue ran (a tick queued now runs after those queued before). */
const afterTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('EventCork on a real socket', () => {
  let server: Server;
  let socket: Socket;
  before(async () => {
    server = createServer((s) => s.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
  });
  after(async () => {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps events of one tick corked across its promise jobs, then writes them together', async () => {
    const cork = new EventCork(socket);
    await Promise.resolve();
    cork.hold(false);
    socket.write('a');
    await Promise.resolve();
    cork.hold(false);
    socket.write('b');
    await Promise.resolve();
    assert.equal(socket.writableCorked, 1, 'still corked after the jobs that wrote');
    await afterTick();
    assert.equal(socket.writableCorked, 0);
  });

  it('writes a live event when the job that wrote it ends, with what was corked before it', async () => {
    const cork = new EventCork(socket);
    await Promise.resolve();
    cork.hold(false);
    socket.write('a');
    cork.hold(true);
    socket.write('delta');
    await Promise.resolve();
    assert.equal(socket.writableCorked, 0, 'uncorked at the end of the job');
    // The tick's release finds nothing corked: the next hold starts a cork of its own.
    await afterTick();
    cork.hold(false);
    assert.equal(socket.writableCorked, 1);
    await afterTick();
    assert.equal(socket.writableCorked, 0);
  });
});
