export const DEFAULT_PORT = 18789;

/** A port value that is not a port; the message names where it came from. */
export class InvalidPortError extends Error {}

/** Parses a port from a flag or env value (`19001`, `host:19001`, `[::1]:19001`). */
export function parsePort(value: string, source: string): number {
  const m = /^(?:\[[^\]]*\]:|[^:[\]]*:)?(\d{1,5})$/.exec(value.trim());
  const port = m?.[1] ? Number(m[1]) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidPortError(`Invalid ${source}: "${value}" is not a port number (1-65535).`);
  }
  return port;
}
