import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/** One file of the built UI, held in memory. */
export interface UiAsset {
  body: Buffer;
  contentType: string;
  etag: string;
  /** The body in `encoding`: as the build compressed it, or compressed here on first use. */
  encoded(encoding: 'gzip' | 'br'): Buffer;
}

/** The built Control UI: index.html (base path filled in) and the hashed assets by file name. */
export interface UiBundle {
  index: UiAsset;
  assets: ReadonlyMap<string, UiAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * The `control-ui` directory `npm run build` writes next to the bundled CLI (dist/control-ui):
 * found by walking up from this module, which runs either as dist/farclaw.mjs or, in tests,
 * as dist/src/gateway/control-ui/*.js.
 */
export function findControlUiDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'control-ui');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function asset(body: Buffer, contentType: string, built: { gzip?: Buffer | undefined; br?: Buffer | undefined } = {}): UiAsset {
  const forms = { ...built };
  return {
    body,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    // index.html is compressed only when a browser first asks for it: a gateway whose UI nobody
    // opens never runs brotli and zlib's encoders, whose buffers stay in the malloc heap of an
    // idle process (issue 13: idle RSS).
    encoded: (encoding) => (forms[encoding] ??= encoding === 'br' ? brotliCompressSync(body) : gzipSync(body, { level: 9 })),
  };
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Loads the built UI into memory once, so a request can only ever get one of these files
 * (no path from a URL reaches the file system). `basePath` is `""` or `/something`.
 */
export function loadUiBundle(dir: string, basePath: string): UiBundle {
  const html = readFileSync(join(dir, 'index.html'), 'utf8').replace('<base href="/">', `<base href="${escapeAttr(basePath)}/">`);
  const assets = new Map<string, UiAsset>();
  const assetDir = join(dir, 'assets');
  for (const name of readdirSync(assetDir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = CONTENT_TYPES[ext];
    if (!type) continue;
    const read = (suffix: string): Buffer | undefined => (existsSync(join(assetDir, name + suffix)) ? readFileSync(join(assetDir, name + suffix)) : undefined);
    assets.set(name, asset(readFileSync(join(assetDir, name)), type, { gzip: read('.gz'), br: read('.br') }));
  }
  return { index: asset(Buffer.from(html), CONTENT_TYPES['.html'] ?? 'text/html'), assets };
}
