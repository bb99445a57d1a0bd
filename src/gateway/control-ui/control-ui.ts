import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../../infra/config-schema.js';
import { controlUiSettingsOf } from '../../infra/control-ui-settings.js';
import type { Logger } from '../../infra/logger.js';
import { findControlUiDir, loadUiBundle, type UiAsset, type UiBundle } from './control-ui-assets.js';

/**
 * The page's Content-Security-Policy: only this origin's own script, style and WebSocket, no
 * inline script, no plugins, no framing. Model output the page renders cannot load or run
 * anything even if a rendering bug let markup through.
 */
export const CONTROL_UI_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "manifest-src 'self'", "base-uri 'self'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTROL_UI_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Picks br, then gzip, when the client accepts them (q=0 refuses). */
function encodingFor(req: IncomingMessage): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  if ((accepted.get('br') ?? 0) > 0) return 'br';
  if ((accepted.get('gzip') ?? 0) > 0) return 'gzip';
  return undefined;
}

function send(req: IncomingMessage, res: ServerResponse, asset: UiAsset, cacheControl: string): void {
  const headers: Record<string, string | number> = { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': cacheControl, etag: asset.etag, vary: 'Accept-Encoding' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const encoding = encodingFor(req);
  const body = encoding ? asset.encoded(encoding) : asset.body;
  if (encoding) headers['content-encoding'] = encoding;
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves the Control UI (assistant.md 11.1): hashed assets as immutable, index.html as
 * no-cache under every other path below the base path (SPA fallback), precompressed br/gzip,
 * a strict CSP. The UI needs no authentication to load: it holds no secrets, and everything it
 * shows comes over the authenticated WebSocket.
 */
export class ControlUi {
  private constructor(readonly basePath: string, private readonly bundle: UiBundle | undefined) {}

  /** Reads the built UI; a missing build leaves a gateway that answers 503 with a hint. */
  static load(gw: GatewayConfig | undefined, logger: Logger, dir = findControlUiDir()): ControlUi | undefined {
    const { enabled, basePath } = controlUiSettingsOf(gw);
    if (!enabled) return undefined;
    if (!dir) {
      logger.warn('Control UI assets not found (run npm run build); the dashboard answers 503');
      return new ControlUi(basePath, undefined);
    }
    return new ControlUi(basePath, loadUiBundle(dir, basePath));
  }

  /** Answers a GET/HEAD below the base path; returns false when the path is not the UI's. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path !== this.basePath && !path.startsWith(`${this.basePath}/`)) return false;
    if (!this.bundle) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('Control UI not built: run npm run build');
      return true;
    }
    const rest = path.slice(this.basePath.length);
    if (rest.startsWith('/assets/')) {
      const asset = this.bundle.assets.get(rest.slice('/assets/'.length));
      if (!asset) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return true;
      }
      send(req, res, asset, 'public, max-age=31536000, immutable');
      return true;
    }
    // A path with a file extension is a missing file, not an app route.
    if (/\.[A-Za-z0-9]+$/.test(rest)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return true;
    }
    send(req, res, this.bundle.index, 'no-cache');
    return true;
  }
}
