import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fakeTailscale, type FakeTailscale } from './fake-tailscale.js';
import { useDisposers } from './disposers.js';
import { waitFor } from './wait-for.js';

const execFileAsync = promisify(execFile);

async function run(fake: FakeTailscale, args: string[], sudo = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(fake.binDir, 'tailscale');
  const [cmd, argv] = sudo ? ['sudo', ['-n', bin, ...args]] : [bin, args];
  try {
    const { stdout, stderr } = await execFileAsync(cmd, argv, { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** An upstream that records the headers of each request and upgrade it receives. */
async function recordingUpstream(): Promise<{ port: number; seen: IncomingHttpHeaders[]; close(): void }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('upstream ok');
  });
  server.on('upgrade', (req, socket) => {
    seen.push(req.headers);
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, seen, close: () => server.close() };
}

describe('stand-in tailscale CLI', () => {
  const d = useDisposers();
  const make = (...args: Parameters<typeof fakeTailscale>) => {
    const f = fakeTailscale(...args);
    d.defer(() => f.dispose());
    return f;
  };

  it('answers version, status --json (starting, then running), serve status and whois like tailscale 1.90', async () => {
    const fake = make({ backendStates: ['Starting', 'Running'], whois: { '100.64.0.7': { login: 'alice@example.com', name: 'Alice Example' } } });
    assert.match((await run(fake, ['version'])).stdout, /^1\.90\.0\n/);
    const first = JSON.parse((await run(fake, ['status', '--json'])).stdout);
    assert.equal(first.BackendState, 'Starting');
    const second = JSON.parse((await run(fake, ['status', '--json'])).stdout);
    assert.equal(second.BackendState, 'Running');
    assert.equal(second.Self.DNSName, 'lab-host.tail1234.ts.net.');
    assert.deepEqual(JSON.parse((await run(fake, ['serve', 'status', '--json'])).stdout), {});
    const who = JSON.parse((await run(fake, ['whois', '--json', '100.64.0.7'])).stdout);
    assert.equal(who.UserProfile.LoginName, 'alice@example.com');
    const unknown = await run(fake, ['whois', '--json', '100.64.0.99']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no match/);
    assert.deepEqual(fake.argvs().map((a) => a.slice(1, 3)), [['version'], ['status', '--json'], ['status', '--json'], ['serve', 'status'], ['whois', '--json'], ['whois', '--json']]);
  });

  it('reports a logged-out backend as NeedsLogin and a stopped daemon as a failure', async () => {
    const fake = make({ backendStates: ['NeedsLogin'] });
    assert.equal(JSON.parse((await run(fake, ['status', '--json'])).stdout).BackendState, 'NeedsLogin');
    fake.script({ daemonDown: true });
    const down = await run(fake, ['status', '--json']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /tailscaled/);
  });

  it('refuses a root-only subcommand without sudo and runs it under sudo -n', async () => {
    const fake = make({ requireRoot: ['status'] });
    const plain = await run(fake, ['status', '--json']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /Access denied/);
    const viaSudo = await run(fake, ['status', '--json'], true);
    assert.equal(viaSudo.code, 0, viaSudo.stderr);
    assert.equal(JSON.parse(viaSudo.stdout).BackendState, 'Running');
    assert.deepEqual(fake.calls().filter((c) => c.event === 'start').map((c) => c.sudo), [false, true]);
  });

  it('runs a foreground serve as a reverse proxy that adds identity and forwarded headers, and exits on SIGTERM', async () => {
    const fake = make({ proxyClient: { ip: '100.64.0.7', login: 'alice@example.com', name: 'Alice Example' } });
    const upstream = await recordingUpstream();
    d.defer(() => upstream.close());
    const child = spawn(join(fake.binDir, 'tailscale'), ['serve', '--yes', '--bg=false', String(upstream.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    d.defer(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor('the ready line', () => out.includes('Press Ctrl+C to exit.'));
    assert.match(out, /https:\/\/lab-host\.tail1234\.ts\.net\//);
    const proxy = await fake.proxy();
    const res = await fetch(`http://127.0.0.1:${proxy.port}/x`, { headers: { 'tailscale-user-login': 'mallory@example.com', 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(await res.text(), 'upstream ok');
    const h = upstream.seen[0];
    assert.equal(h?.['tailscale-user-login'], 'alice@example.com', 'the client cannot choose its login');
    assert.equal(h?.['x-forwarded-for'], '100.64.0.7');
    assert.equal(h?.['x-forwarded-proto'], 'https');
    assert.equal(h?.['x-forwarded-host'], `127.0.0.1:${proxy.port}`);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(fake.calls().some((c) => c.event === 'signal' && c.signal === 'SIGTERM'));
  });

  it('marks funnel requests and sends no user identity through a funnel', async () => {
    const fake = make();
    const upstream = await recordingUpstream();
    d.defer(() => upstream.close());
    const child = spawn(join(fake.binDir, 'tailscale'), ['funnel', '--yes', '--bg=false', String(upstream.port)], { stdio: 'ignore' });
    d.defer(() => child.kill('SIGKILL'));
    const proxy = await fake.proxy();
    await (await fetch(`http://127.0.0.1:${proxy.port}/`)).text();
    const h = upstream.seen[0];
    assert.equal(h?.['tailscale-funnel-request'], '?1');
    assert.equal(h?.['tailscale-user-login'], undefined);
    assert.equal(h?.['x-forwarded-for'], '203.0.113.9');
  });

  it('fails a foreground serve at once when scripted to', async () => {
    const fake = make({ serveFailure: { exitCode: 1, stderr: 'serve: listener already exists\n' } });
    const r = await run(fake, ['serve', '--yes', '--bg=false', '1234']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /listener already exists/);
  });
});
