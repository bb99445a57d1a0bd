/** Request targets longer than this are refused (Node already caps the whole head at 16 KiB). */
const MAX_TARGET_CHARS = 8192;

/** Single slashes between unreserved characters, no dot segment, query or escape: its own pathname. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9_~.-]*)*\/?$/;

/**
 * The path of an HTTP request target, or undefined when the target is not one we serve: the
 * one parser `handleHttp` and the upgrade path share, so no request line can throw out of either
 * (issue 12.1: `new URL('//', base)` throws). Origin-form (`/path?query`) is read as a path on
 * this gateway, never as a scheme-relative URL, so `//x` is the path `//x`, not host `x`;
 * absolute-form (`http://host/path`) is accepted as proxies may send it; anything else (`*`,
 * authority-form, garbage) is undefined and answered 400.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target.length === 0 || target.length > MAX_TARGET_CHARS) return undefined;
  // Every WebSocket upgrade and most requests: a path the URL parser would return unchanged.
  if (PLAIN_PATH.test(target)) return target;
  let url: URL;
  try {
    if (target.startsWith('/')) url = new URL(`http://gateway${target}`);
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else return undefined;
  } catch {
    return undefined;
  }
  return url.pathname;
}
