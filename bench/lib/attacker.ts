/**
 * One attack of issue 12 (items 3–7), run in its own process by bench/attacks.ts until killed,
 * so the attacker's CPU is not the measuring client's. Every attack reopens what the gateway
 * closes, to keep the pressure constant.
 *
 * Usage: node dist/bench/lib/attacker.js <attack> <port> <token>
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';

const ATTACKS = ['origin-rotation', 'big-connect', 'slowloris', 'slow-consumers', 'memory-pinning'] as const;
type Attack = (typeof ATTACKS)[number];

const [attack, portText, token] = process.argv.slice(2) as [Attack, string, string];
const url = `ws://127.0.0.1:${portText}`;

/** Runs `worker` `n` times side by side, each restarted as soon as it ends, forever. */
function keep(n: number, worker: () => Promise<void>): void {
  const loop = async (): Promise<void> => {
    for (;;) await worker().catch(() => undefined);
  };
  for (let i = 0; i < n; i++) void loop();
}

/** Opens a socket (optionally with an Origin) and resolves once it is closed, or after `maxMs`. */
function session(onOpen: (ws: WebSocket) => void, origin?: string, maxMs = 20_000): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(origin ? { origin } : {}) });
    const timer = setTimeout(() => ws.terminate(), maxMs);
    ws.on('open', () => onOpen(ws));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const wrongConnect = (extra: Record<string, unknown> = {}): string => JSON.stringify({
  type: 'req', id: 'c', method: 'connect',
  params: { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'x', platform: 'linux', mode: 'cli' }, role: 'operator', scopes: ['operator.read'], auth: { token: `wrong-${randomBytes(8).toString('hex')}` }, ...extra },
});

switch (attack) {
  // 3: guessing tokens from one address with a fresh (long) Origin each time.
  case 'origin-rotation':
    keep(8, () => session((ws) => ws.send(wrongConnect()), `http://${randomBytes(1000).toString('hex')}.example`, 5_000));
    break;
  // 4: invalid ~60 KB connects that quote attacker-chosen text back in the refusal.
  case 'big-connect':
    keep(4, () => session((ws) => ws.send(wrongConnect({ client: { id: 'x'.repeat(60_000), version: 'x', platform: 'linux', mode: 'cli' } })), undefined, 5_000));
    break;
  // 5: sockets that never finish their HTTP request, one byte a second.
  case 'slowloris':
    for (let i = 0; i < 200; i++) {
      const open = (): void => {
        const s: Socket = tcpConnect(Number(portText), '127.0.0.1');
        const drip = setInterval(() => s.write('X'), 1_000);
        s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
        s.on('error', () => undefined);
        s.on('close', () => {
          clearInterval(drip);
          setTimeout(open, 100);
        });
      };
      open();
    }
    break;
  // 6: authenticated clients that ask and never read their answers.
  case 'slow-consumers':
    keep(30, () => session((ws) => {
      ws.send(JSON.stringify({ type: 'req', id: 'c', method: 'connect', params: { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'x', platform: 'linux', mode: 'cli' }, role: 'operator', scopes: ['operator.read'], auth: { token } } }));
      // Stop reading after the handshake; keep asking for the biggest cheap answer.
      setTimeout(() => {
        (ws as unknown as { _socket: Socket })._socket.pause();
        let id = 0;
        const ask = setInterval(() => {
          if (ws.readyState !== WebSocket.OPEN) return clearInterval(ask);
          for (let i = 0; i < 50; i++) ws.send(`{"type":"req","id":"${id++}","method":"status","params":{}}`);
        }, 20);
      }, 200);
    }, undefined, 60_000));
    break;
  // 7: wrong-token sockets that queue 15 × 60 KB frames each behind the failed-auth delay.
  case 'memory-pinning':
    keep(300, () => session((ws) => {
      ws.send(wrongConnect());
      const junk = `{"type":"req","id":"j","method":"health","params":{"pad":"${'y'.repeat(60_000)}"}}`;
      for (let i = 0; i < 15; i++) ws.send(junk);
    }, undefined, 10_000));
    break;
  default:
    process.stderr.write(`unknown attack "${String(attack)}" (known: ${ATTACKS.join(', ')})\n`);
    process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
