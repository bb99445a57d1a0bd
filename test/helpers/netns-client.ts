// A WebSocket relay that runs inside a network namespace on behalf of the test process, which
// stays in the root namespace and cannot reach the namespace's addresses itself. Started by
// NetnsRelay (netns-relay.ts) as `ip netns exec <ns> node dist/test/helpers/netns-client.js`.
//
// stdin, one JSON command per line:
//   {"op":"open","conn":1,"url":"ws://…","headers":{…}}   {"op":"send","conn":1,"data":"…"}
//   {"op":"terminate","conn":1}                            {"op":"http-status","id":7,"url":"http://…"}
// stdout, one JSON event per line:
//   {"ev":"ready"}  {"conn":1,"ev":"message","data":"…"}  {"conn":1,"ev":"close","code":1008,"reason":"…"}
//   {"conn":1,"ev":"upgrade-refused","status":403}  {"conn":1,"ev":"error","message":"…"}
//   {"id":7,"ev":"http-status","status":200}  {"id":7,"ev":"http-error","message":"…"}
// The frames themselves are opaque text: the test process builds, signs and checks them.
// End of stdin closes every socket and exits.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

type Command =
  | { op: 'open'; conn: number; url: string; headers: Record<string, string> }
  | { op: 'send'; conn: number; data: string }
  | { op: 'terminate'; conn: number }
  | { op: 'http-status'; id: number; url: string };

const sockets = new Map<number, WebSocket>();

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Checks the shape of one command line (it comes from our own test process, but still). */
function parseCommand(line: string): Command {
  const v: unknown = JSON.parse(line);
  if (typeof v !== 'object' || v === null) throw new Error('a command must be a JSON object');
  const c = v as Record<string, unknown>;
  const isNum = (k: string): boolean => typeof c[k] === 'number';
  const isStr = (k: string): boolean => typeof c[k] === 'string';
  if (c.op === 'open' && isNum('conn') && isStr('url')) {
    const headers = typeof c.headers === 'object' && c.headers !== null ? (c.headers as Record<string, string>) : {};
    return { op: 'open', conn: c.conn as number, url: c.url as string, headers };
  }
  if (c.op === 'send' && isNum('conn') && isStr('data')) return { op: 'send', conn: c.conn as number, data: c.data as string };
  if (c.op === 'terminate' && isNum('conn')) return { op: 'terminate', conn: c.conn as number };
  if (c.op === 'http-status' && isNum('id') && isStr('url')) return { op: 'http-status', id: c.id as number, url: c.url as string };
  throw new Error(`unknown command: ${line}`);
}

function open(conn: number, url: string, headers: Record<string, string>): void {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  sockets.set(conn, ws);
  ws.on('message', (data) => emit({ conn, ev: 'message', data: data.toString() }));
  ws.on('unexpected-response', (_req, res) => {
    emit({ conn, ev: 'upgrade-refused', status: res.statusCode });
    ws.terminate();
  });
  ws.on('error', (err) => emit({ conn, ev: 'error', message: err.message }));
  ws.on('close', (code, reason) => {
    sockets.delete(conn);
    emit({ conn, ev: 'close', code, reason: reason.toString() });
  });
}

async function httpStatus(id: number, url: string): Promise<void> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    emit({ id, ev: 'http-status', status: res.status });
  } catch (err) {
    emit({ id, ev: 'http-error', message: (err as Error).message });
  }
}

function handle(cmd: Command): void {
  switch (cmd.op) {
    case 'open':
      open(cmd.conn, cmd.url, cmd.headers);
      return;
    case 'send': {
      const ws = sockets.get(cmd.conn);
      if (ws?.readyState === WebSocket.OPEN) ws.send(cmd.data);
      else emit({ conn: cmd.conn, ev: 'error', message: 'send on a socket that is not open' });
      return;
    }
    case 'terminate':
      sockets.get(cmd.conn)?.terminate();
      return;
    case 'http-status':
      void httpStatus(cmd.id, cmd.url);
      return;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    handle(parseCommand(line));
  } catch (err) {
    emit({ ev: 'fatal', message: (err as Error).message });
  }
});
lines.on('close', () => {
  for (const ws of sockets.values()) ws.terminate();
  process.exit(0);
});
emit({ ev: 'ready' });
