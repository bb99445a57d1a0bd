import { isIP, type Socket } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { PIN_MISMATCH, pinMatches, type TlsPin } from '../infra/tls-pin.js';
import { TlsError } from './errors.js';

const SELF_SIGNED_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
const SELF_SIGNED_MESSAGE = 'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca';

/** Maps a certificate verification failure to the CLI's wording; other errors pass through. */
function certificateError(err: NodeJS.ErrnoException): Error {
  if (err.code !== undefined && SELF_SIGNED_CODES.has(err.code)) return new TlsError(SELF_SIGNED_MESSAGE);
  if (err.code?.startsWith('ERR_TLS_CERT') || /certificate/i.test(err.message)) return new TlsError(err.message);
  return err;
}

type Oncreate = (err: Error | null, socket?: Socket) => void;

/**
 * A `createConnection` for the `wss://` client: the TLS handshake runs to completion and the
 * certificate is checked (pin, or CA + hostname without one) *before* the socket is handed to
 * the HTTP request, so on a mismatch not one byte of the upgrade request (headers, tokens) is
 * written: the socket is closed and the request fails with `gateway tls fingerprint mismatch`.
 * With a pin, CA and hostname validation are replaced by the pin check (8.3).
 */
export function pinnedTlsConnect(pin: TlsPin | undefined) {
  return (options: ConnectionOptions & { host?: string }, oncreate: Oncreate): undefined => {
    const host = options.host ?? 'localhost';
    const socket: TLSSocket = connect({
      ...options,
      servername: isIP(host) ? '' : host,
      rejectUnauthorized: pin === undefined,
      ALPNProtocols: ['http/1.1'],
    });
    let done = false;
    const settle = (err: Error | null) => {
      if (done) return;
      done = true;
      socket.off('error', onError);
      if (err) {
        socket.destroy();
        oncreate(err);
      } else {
        oncreate(null, socket);
      }
    };
    const onError = (err: NodeJS.ErrnoException) => settle(certificateError(err));
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      if (pin === undefined) return settle(null);
      const cert = socket.getPeerX509Certificate();
      settle(cert !== undefined && pinMatches(pin, cert) ? null : new TlsError(PIN_MISMATCH));
    });
    return undefined;
  };
}
