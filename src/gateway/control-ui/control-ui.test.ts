import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { silentLogger } from '../../infra/logger.js';
import { controlUiSettingsOf } from '../../infra/control-ui-settings.js';
import { ControlUi } from './control-ui.js';

const JS = 'console.log("app");'.repeat(50);

/** A built UI directory as scripts/build-control-ui.mjs lays it out. */
function builtUi(): string {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><base href="/"></head><body><script type="module" src="./assets/app-abc.js"></script></body></html>');
  writeFileSync(join(dir, 'assets', 'app-abc.js'), JS);
  writeFileSync(join(dir, 'assets', 'app-abc.css'), 'body{color:red}');
  return dir;
}

interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer }

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Control UI serving', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    while (cleanup.length) cleanup.pop()?.();
  });

  async function serve(config: unknown): Promise<number> {
    const dir = builtUi();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const ui = ControlUi.load(config as never, silentLogger(), dir);
    assert.ok(ui);
    const server: Server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (!ui.handle(req, res, path)) res.writeHead(404).end('outside');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.close());
    return (server.address() as AddressInfo).port;
  }

  it('serves index.html with no-cache, a strict CSP and the base href', async () => {
    const port = await serve({});
    const r = await get(port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /script-src 'self';/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.doesNotMatch(String(r.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.body.toString(), /<base href="\/">/);
  });

  it('falls back to index.html for app routes but answers 404 for missing files', async () => {
    const port = await serve({});
    assert.match((await get(port, '/devices')).body.toString(), /<base href/);
    assert.match((await get(port, '/chat/agent:main:main')).body.toString(), /<base href/);
    assert.equal((await get(port, '/assets/app-missing.js')).status, 404);
    assert.equal((await get(port, '/favicon.ico')).status, 404);
  });

  it('serves hashed assets as immutable, brotli or gzip as the client accepts', async () => {
    const port = await serve({});
    const br = await get(port, '/assets/app-abc.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), JS);
    const gz = await get(port, '/assets/app-abc.js', { 'accept-encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), JS);
    const plain = await get(port, '/assets/app-abc.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), JS);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  });

  it('compresses index.html on the first request that accepts it, and serves those bytes from then on', async () => {
    const port = await serve({});
    for (const [encoding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const first = await get(port, '/', { 'accept-encoding': encoding });
      assert.equal(first.headers['content-encoding'], encoding);
      assert.match(decode(first.body).toString(), /<base href="\/">/);
      assert.equal(Number(first.headers['content-length']), first.body.length);
      const again = await get(port, '/devices', { 'accept-encoding': encoding });
      assert.deepEqual(again.body, first.body);
    }
  });

  it('answers a matching If-None-Match with 304 and HEAD without a body', async () => {
    const port = await serve({});
    const first = await get(port, '/assets/app-abc.css');
    const again = await get(port, '/assets/app-abc.css', { 'if-none-match': String(first.headers.etag) });
    assert.equal(again.status, 304);
    const head = await get(port, '/assets/app-abc.css', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  it('serves under gateway.controlUi.basePath only', async () => {
    const port = await serve({ controlUi: { basePath: '/ui/' } });
    const r = await get(port, '/ui/nodes');
    assert.match(r.body.toString(), /<base href="\/ui\/">/);
    assert.equal((await get(port, '/ui/assets/app-abc.js')).status, 200);
    assert.equal((await get(port, '/nodes')).body.toString(), 'outside');
    assert.equal((await get(port, '/uix')).body.toString(), 'outside');
  });

  it('is off with gateway.controlUi.enabled false', () => {
    assert.equal(ControlUi.load({ controlUi: { enabled: false } } as never, silentLogger(), builtUi()), undefined);
  });

  it('refuses a base path that is not a plain URL path', () => {
    assert.throws(() => controlUiSettingsOf({ controlUi: { basePath: '/a"><script>' } } as never), /not a plain URL path/);
    assert.deepEqual(controlUiSettingsOf({ controlUi: { basePath: 'x/y' } } as never), { enabled: true, basePath: '/x/y' });
  });
});
