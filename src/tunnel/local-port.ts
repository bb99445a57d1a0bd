import { createServer } from 'node:net';

/** Binds 127.0.0.1:`port` (0 = any) for a moment; resolves the bound port, or null when taken. */
async function tryBind(port: number): Promise<number | null> {
  return await new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * The tunnel's local port: `preferred` (the remote gateway's port, or the configured local
 * endpoint) when it is free on 127.0.0.1, else one the kernel picks.
 */
export async function chooseLocalPort(preferred: number | undefined): Promise<number> {
  if (preferred !== undefined && preferred > 0 && (await tryBind(preferred)) !== null) return preferred;
  const any = await tryBind(0);
  if (any === null) throw new Error('no free local port on 127.0.0.1 for the SSH tunnel');
  return any;
}
