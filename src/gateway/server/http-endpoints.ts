import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretsEqual } from '../auth/shared-secret.js';
import type { ControlUi } from '../control-ui/control-ui.js';
import type { GatewayServices } from '../rpc/context.js';
import { isTrustedHostHeader, originPolicyOf } from '../ingress/browser-origin.js';
import type { HttpRoute } from './http-router.js';

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
 * Liveness and readiness on the gateway port (remote-access.md 14): `/healthz` for anyone,
 * even through an unattributable proxy; `/readyz` with details only for direct-local callers
 * naming the gateway by a Host that cannot be rebound, or bearer-authenticated ones.
 */
export function healthRoutes(services: GatewayServices): HttpRoute[] {
  return [
    { path: '/healthz', allowUnattributed: true, handle: (_req, res) => sendJson(res, 200, { ok: true, status: 'live' }) },
    { path: '/health', allowUnattributed: true, handle: (_req, res) => sendJson(res, 200, { ok: true, status: 'live' }) },
    ...['/readyz', '/ready'].map((path): HttpRoute => ({
      path,
      handle: (req, res, { ingress }) => {
        const ready = services.isReady();
        // Details for a direct-local caller only under a Host that cannot be rebound (issue 12.11).
        const trustedHost = isTrustedHostHeader(req.headers.host, originPolicyOf(services.config.config.gateway));
        const detailed = ingress.kind !== 'unattributable' && ((ingress.isLocal && trustedHost) || hasBearer(req, services));
        const body = detailed
          ? { ready, failing: ready ? [] : ['startup'], uptimeMs: Date.now() - services.startedAtMs, eventLoop: services.eventLoop.sample() }
          : { ready };
        sendJson(res, ready ? 200 : 503, body);
      },
    })),
  ];
}

/**
 * The Control UI below its base path (assistant.md 11.1), tried after every other route since
 * its SPA fallback answers any path there; it declines what it does not serve.
 */
export function controlUiRoute(controlUi: ControlUi): HttpRoute {
  return {
    prefix: controlUi.basePath === '' ? '/' : controlUi.basePath,
    fallback: true,
    handle: (req, res, { path }) => controlUi.handle(req, res, path),
  };
}
