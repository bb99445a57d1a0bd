import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretsEqual } from '../auth/shared-secret.js';
import type { ControlUi } from '../control-ui/control-ui.js';
import type { GatewayServices } from '../rpc/context.js';
import { PROXY_ATTRIBUTION_REQUIRED, type Ingress } from '../ingress/attribution.js';
import { requestPath } from './request-target.js';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function hasBearer(req: IncomingMessage, services: GatewayServices): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m?.[1]) return false;
  const secret = services.auth.mode === 'password' ? services.auth.password : services.auth.token;
  return secret !== undefined && secretsEqual(m[1].trim(), secret);
}

/**
 * HTTP on the gateway port (remote-access.md 14): `/healthz` for anyone, `/readyz` with details
 * only for direct-local or bearer-authenticated callers; everything but `/healthz` answers 403
 * to requests with forwarding headers we cannot attribute (6.4); the Control UI below its base
 * path (assistant.md 11.1).
 */
export function handleHttp(req: IncomingMessage, res: ServerResponse, services: GatewayServices, ingress: Ingress, controlUi?: ControlUi): void {
  const path = requestPath(req.url);
  if (path === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed');
    return;
  }
  if (path === '/healthz' || path === '/health') {
    sendJson(res, 200, { ok: true, status: 'live' });
    return;
  }
  if (ingress.kind === 'unattributable') {
    res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(PROXY_ATTRIBUTION_REQUIRED), 'cache-control': 'no-store' });
    res.end(PROXY_ATTRIBUTION_REQUIRED);
    return;
  }
  if (path === '/readyz' || path === '/ready') {
    const ready = services.isReady();
    const detailed = ingress.isLocal || hasBearer(req, services);
    const body = detailed
      ? { ready, failing: ready ? [] : ['startup'], uptimeMs: Date.now() - services.startedAtMs, eventLoop: services.eventLoop.sample() }
      : { ready };
    sendJson(res, ready ? 200 : 503, body);
    return;
  }
  if (controlUi?.handle(req, res, path)) return;
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}
