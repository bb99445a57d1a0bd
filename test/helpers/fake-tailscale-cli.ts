// The stand-in `tailscale` program (run through the shell wrapper fake-tailscale.ts writes). It
// answers the subcommands the gateway uses as tailscale 1.90 does (vector tailscale-cli; the
// texts are imitations), logs every invocation to `<dir>/calls.jsonl`, and for a foreground
// `serve`/`funnel` runs a real reverse proxy on loopback that adds Tailscale's identity and
// forwarding headers. Its behaviour is scripted per test in `<dir>/script.json`, re-read on
// every call, so a test can change it while the gateway runs.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FakeTailscaleScript } from './fake-tailscale-script.js';

const dir = process.env.FAKE_TAILSCALE_DIR ?? '';
const argv = process.argv.slice(2);
const isSudo = process.env.SUDO_UID !== undefined;

function script(): FakeTailscaleScript {
  try {
    return JSON.parse(readFileSync(join(dir, 'script.json'), 'utf8')) as FakeTailscaleScript;
  } catch {
    return {};
  }
}

function log(event: Record<string, unknown>): void {
  appendFileSync(join(dir, 'calls.jsonl'), JSON.stringify({ tMs: Date.now(), pid: process.pid, argv, sudo: isSudo, ...event }) + '\n');
}

function finish(code: number, stdout = '', stderr = ''): never {
  if (stdout) process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
  log({ event: 'exit', exitCode: code, stdout, stderr });
  process.exit(code);
}

const DEFAULT_DNS = 'lab-host.tail1234.ts.net.';

function statusJson(s: FakeTailscaleScript): string {
  const countFile = join(dir, 'status-count');
  let n = 0;
  try {
    n = Number(readFileSync(countFile, 'utf8')) || 0;
  } catch {
    // first call
  }
  writeFileSync(countFile, String(n + 1));
  const states = s.backendStates ?? ['Running'];
  const state = states[Math.min(n, states.length - 1)] ?? 'Running';
  const dns = s.dnsName ?? DEFAULT_DNS;
  const running = state === 'Running';
  const body = {
    Version: s.version ?? '1.90.0',
    BackendState: state,
    ...(state === 'NeedsLogin' ? { AuthURL: '' } : {}),
    Self: {
      ID: 'nSelf', HostName: dns.split('.')[0], DNSName: running ? dns : '',
      TailscaleIPs: running ? (s.tailscaleIPs ?? ['100.64.0.5', 'fd7a:115c:a1e0::5']) : [], Online: running,
    },
    MagicDNSSuffix: dns.split('.').slice(1).join('.').replace(/\.$/, ''),
    CurrentTailnet: running ? { Name: 'example.com', MagicDNSSuffix: dns.split('.').slice(1).join('.').replace(/\.$/, ''), MagicDNSEnabled: true } : null,
  };
  return JSON.stringify(body) + '\n';
}

function whoisJson(s: FakeTailscaleScript, ip: string | undefined): never {
  const who = ip !== undefined ? s.whois?.[ip] : undefined;
  if (!who) finish(1, '', `no match for IP:port ${ip ?? ''}\n`);
  const body = {
    Node: { ID: 7, Name: who.nodeName ?? 'laptop.tail1234.ts.net.', Addresses: [`${ip}/32`], ...(who.tags ? { Tags: who.tags } : {}) },
    UserProfile: { ID: 1, LoginName: who.login, DisplayName: who.name ?? '', ProfilePicURL: '' },
  };
  finish(0, JSON.stringify(body) + '\n');
}

/** The headers Tailscale Serve sends upstream: forwarding and identity headers are its own. */
function upstreamHeaders(headers: IncomingHttpHeaders, isFunnel: boolean, s: FakeTailscaleScript): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('tailscale-') || k.startsWith('x-forwarded-') || k === 'forwarded') continue;
    out[k] = v;
  }
  const client = isFunnel ? { ip: s.funnelClientIp ?? '203.0.113.9' } : (s.proxyClient ?? { ip: '100.64.0.7', login: 'alice@example.com', name: 'Alice Example' });
  out['x-forwarded-for'] = client.ip;
  out['x-forwarded-proto'] = 'https';
  out['x-forwarded-host'] = headers.host ?? '';
  if (isFunnel) {
    out['tailscale-funnel-request'] = '?1';
  } else if ('login' in client && client.login !== undefined) {
    out['tailscale-user-login'] = client.login;
    out['tailscale-user-name'] = client.name ?? '';
    out['tailscale-user-profile-pic'] = '';
  }
  return out;
}

function headerBlock(req: IncomingMessage, headers: IncomingHttpHeaders): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v ?? '']) lines.push(`${k}: ${one}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** `serve|funnel --yes --bg=false <port>`: a foreground reverse proxy to 127.0.0.1:<port>. */
function runForeground(kind: 'serve' | 'funnel', s: FakeTailscaleScript): void {
  const target = Number(argv[argv.length - 1]);
  if (s.serveFailure) finish(s.serveFailure.exitCode, '', s.serveFailure.stderr);
  const isFunnel = kind === 'funnel';
  const server = createServer((req, res) => {
    const up = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: upstreamHeaders(req.headers, isFunnel, script()) }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end('bad gateway'));
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const up = connect(target, '127.0.0.1', () => {
      up.write(headerBlock(req, upstreamHeaders(req.headers, isFunnel, script())));
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    writeFileSync(join(dir, 'proxy.json'), JSON.stringify({ port, pid: process.pid, kind, target }));
    const dns = (s.dnsName ?? DEFAULT_DNS).replace(/\.$/, '');
    const banner = `Available ${isFunnel ? 'on the internet' : 'within your tailnet'}:\n\nhttps://${dns}/\n|-- proxy http://127.0.0.1:${target}\n\n` +
      (s.serveSilent ? '' : 'Press Ctrl+C to exit.\n');
    setTimeout(() => {
      // Logged before it is printed: the log time is never later than the gateway's reading of it.
      log({ event: 'stdout', stdout: banner });
      process.stdout.write(banner);
    }, s.serveReadyDelayMs ?? 0);
  });
  const stop = (signal: NodeJS.Signals) => {
    log({ event: 'signal', signal, exitCode: 0 });
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function main(): void {
  const s = script();
  log({ event: 'start' });
  if (s.daemonDown && argv[0] !== 'version') {
    finish(1, '', 'failed to connect to local tailscaled; it doesn\'t appear to be running (sudo systemctl start tailscaled ?)\n');
  }
  const sub = argv[0] ?? '';
  if ((s.requireRoot ?? []).includes(sub) && !isSudo) {
    finish(1, '', `Access denied: ${sub} config denied\n\nUse 'sudo tailscale ${argv.join(' ')}'.\nTo not require root, use 'sudo tailscale set --operator=$USER' once.\n`);
  }
  const rest = argv.slice(1).join(' ');
  if (sub === 'version') finish(0, `${s.version ?? '1.90.0'}\n  tailscale commit: fake\n  go version: go1.24\n`);
  if (sub === 'status' && rest === '--json') finish(0, statusJson(s));
  if (sub === 'whois' && argv[1] === '--json') whoisJson(s, argv[2]);
  if ((sub === 'serve' || sub === 'funnel') && rest === 'status --json') finish(0, JSON.stringify(s.serveStatus ?? {}) + '\n');
  if (sub === 'serve' && rest === '--yes --https=443 --set-path=/ off') {
    writeFileSync(join(dir, 'script.json'), JSON.stringify({ ...s, serveStatus: {} }));
    finish(0);
  }
  if ((sub === 'serve' || sub === 'funnel') && argv[1] === '--yes' && argv[2] === '--bg=false' && /^\d+$/.test(argv[3] ?? '') && argv.length === 4) {
    runForeground(sub, s);
    return;
  }
  finish(1, '', `fake tailscale: unsupported command: ${argv.join(' ')}\n`);
}

main();
