import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { HttpRouter, type HttpRoute } from './http-router.js';

const answer = (name: string) => (_req: unknown, res: ServerResponse) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(name);

/** GETs `paths` from a real HTTP server that hands every request to `router`. */
async function get(router: HttpRouter, paths: string[]): Promise<string[]> {
  const server = createServer((req, res) => router.handle(req, res, { kind: 'direct', clientAddress: '127.0.0.1', peerAddress: '127.0.0.1', isLocal: true }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return await Promise.all(paths.map(async (p) => {
      const r = await fetch(base + p);
      return `${r.status} ${await r.text()}`;
    }));
  } finally {
    server.close();
  }
}

describe('HttpRouter fallback routes', () => {
  it('tries a fallback route (an SPA at /) after every other route, whatever the order they were added in', async () => {
    const spa: HttpRoute = { prefix: '/', fallback: true, handle: answer('spa') };
    const router = new HttpRouter([spa, { path: '/healthz', handle: answer('health') }]);
    router.add({ prefix: '/hooks', handle: answer('hooks') });
    assert.deepEqual(await get(router, ['/healthz', '/hooks/x', '/chat', '/']), ['200 health', '200 hooks', '200 spa', '200 spa']);
  });
});
