import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROXY_ATTRIBUTION_REQUIRED, type Ingress } from '../ingress/attribution.js';
import { requestPath } from './request-target.js';

/** What a route handler gets besides the request and response. */
export interface RouteContext {
  /** The request's path, already parsed and checked (never throws on odd targets). */
  path: string;
  /** Who the request comes from (remote-access.md 6.4). */
  ingress: Ingress;
}

/**
 * One HTTP route. `path` matches exactly; `prefix` matches that path and everything below it.
 * A handler returns `false` when it does not serve this request after all (the router goes on
 * to the next route, then 404).
 */
export interface HttpRoute {
  /** Default `['GET', 'HEAD']`; other methods get 405 with `Allow`. */
  methods?: readonly string[];
  path?: string;
  prefix?: string;
  /**
   * Served even when forwarding headers cannot be attributed to a trusted proxy (only liveness
   * should be); every other route answers those requests 403 (6.4).
   */
  allowUnattributed?: boolean;
  /**
   * Tried after every other route, whatever the order routes were added in: for a single-page
   * app whose fallback answers any path below its prefix (the Control UI at `/`).
   */
  fallback?: boolean;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): boolean | void;
}

const DEFAULT_METHODS = ['GET', 'HEAD'] as const;

function matches(route: HttpRoute, path: string): boolean {
  if (route.path !== undefined && route.path === path) return true;
  if (route.prefix === undefined) return false;
  const base = route.prefix.endsWith('/') ? route.prefix.slice(0, -1) : route.prefix;
  return path === base || path.startsWith(`${base}/`) || base === '';
}

/**
 * HTTP on the gateway's listeners: components add routes (health, Control UI, later web chat
 * exports), the router picks the first that matches. Bad request targets get 400, a known path
 * with another method 405, unattributable proxied requests 403, nothing matching 404.
 */
export class HttpRouter {
  private readonly routes: HttpRoute[] = [];

  constructor(routes: readonly HttpRoute[] = []) {
    for (const r of routes) this.add(r);
  }

  /** Adds a route after the existing ones (before the fallback routes, unless it is one). */
  add(route: HttpRoute): void {
    if (route.path === undefined && route.prefix === undefined) throw new TypeError('an HTTP route needs a path or a prefix');
    const firstFallback = this.routes.findIndex((r) => r.fallback === true);
    if (route.fallback === true || firstFallback < 0) this.routes.push(route);
    else this.routes.splice(firstFallback, 0, route);
  }

  handle(req: IncomingMessage, res: ServerResponse, ingress: Ingress): void {
    const path = requestPath(req.url);
    if (path === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target');
      return;
    }
    const method = req.method ?? 'GET';
    const candidates = this.routes.filter((r) => matches(r, path));
    const allowed = candidates.filter((r) => (r.methods ?? DEFAULT_METHODS).includes(method));
    if (candidates.length > 0 && allowed.length === 0) {
      const allow = [...new Set(candidates.flatMap((r) => r.methods ?? DEFAULT_METHODS))].join(', ');
      res.writeHead(405, { allow, 'content-type': 'text/plain' }).end('method not allowed');
      return;
    }
    for (const route of allowed) {
      if (ingress.kind === 'unattributable' && !route.allowUnattributed) {
        res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(PROXY_ATTRIBUTION_REQUIRED), 'cache-control': 'no-store' });
        res.end(PROXY_ATTRIBUTION_REQUIRED);
        return;
      }
      if (route.handle(req, res, { path, ingress }) !== false) return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed');
      return;
    }
    if (ingress.kind === 'unattributable') {
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(PROXY_ATTRIBUTION_REQUIRED), 'cache-control': 'no-store' });
      res.end(PROXY_ATTRIBUTION_REQUIRED);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}
