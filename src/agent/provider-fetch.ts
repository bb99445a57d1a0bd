import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * Idle keep-alive sockets close after this long: under the 5 s a Node server keeps them (and
 * undici's 4 s), so a reused socket is never one the provider is closing at that moment.
 */
const IDLE_SOCKET_MS = 4_000;

/** One pool per scheme, shared by every provider of the process (keep-alive across model steps). */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
} as const;

/** Statuses a Response must not carry a body for (Fetch standard). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The `fetch` the model providers are given: the request goes out on node:http(s) with
 * keep-alive, its string body written within the call. Node 20's own fetch streams even a
 * string body through a web ReadableStream and an async generator, so a run's next model
 * request waited behind every microtask the previous step's stream teardown had queued, and
 * cost about a fifth of the gateway's CPU per tool round trip (bench:tools).
 *
 * It behaves as fetch does where the AI SDK looks: a failure before the response rejects with
 * `TypeError('fetch failed', { cause })` (the SDK's retryable "cannot connect"), an abort
 * rejects with the signal's reason, and a body cut mid-stream errors the body stream.
 * Redirects are not followed (no provider API redirects a POST). Anything it does not handle
 * (a Request object, a body that is not a string or bytes) goes to the global fetch.
 *
 * @example createOpenAICompatible({ name, baseURL, fetch: providerFetch })
 */
export const providerFetch: typeof fetch = (input, init) => {
  const body = init?.body;
  const isPlainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (!isPlainBody || input instanceof Request || init?.redirect === 'manual' || init?.redirect === 'error') {
    return fetch(input, init);
  }
  const url = new URL(input instanceof URL ? input.href : input);
  const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : undefined;
  if (!agent) return fetch(input, init);
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
  if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: init?.method ?? 'GET', headers, agent, ...(signal ? { signal } : {}) });
    request.on('response', (res) => {
      try {
        resolve(toResponse(res));
      } catch (err) {
        res.destroy();
        reject(new TypeError('fetch failed', { cause: err }));
      }
    });
    request.on('error', (err) => reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: err })));
    request.end(body ?? undefined);
  });
};

/** What fetch rejects with on abort: the signal's reason. */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function toResponse(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const init = { status, statusText: res.statusMessage ?? '', headers };
  if (NULL_BODY_STATUSES.has(status)) {
    res.resume();
    return new Response(null, init);
  }
  return new Response(bodyStream(res), init);
}

/**
 * The response body as a web stream fed straight from the node stream's 'data' events, in place
 * of `Readable.toWeb` (which copies each chunk; the measured gain per model chunk is within
 * noise, bench:chat's library floor reads through it too). Backpressure: the node stream is paused while
 * the web queue is full and resumed when the reader pulls. It closes on 'end', errors on an
 * 'error' or a close before 'end' (a cut stream must not look complete), and cancelling it
 * destroys the response.
 */
function bodyStream(res: IncomingMessage): ReadableStream<Uint8Array> {
  const source = decoded(res);
  let isSettled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on('data', (chunk: Buffer) => {
        if (isSettled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) source.pause();
      });
      source.once('end', () => {
        if (isSettled) return;
        isSettled = true;
        controller.close();
      });
      const fail = (err: unknown): void => {
        if (isSettled) return;
        isSettled = true;
        controller.error(err);
      };
      source.on('error', fail);
      // 'close' also comes after 'end' and 'error'; before them it means the body was cut.
      source.once('close', () => fail(new TypeError('terminated', { cause: new Error('the response closed before its end') })));
    },
    pull() {
      source.resume();
    },
    cancel() {
      isSettled = true;
      res.destroy();
      if (source !== res) source.destroy();
    },
  });
}

/** A compressed body decoded, as fetch does (we ask for none; a server may still send it). */
function decoded(res: IncomingMessage): Readable {
  const encoding = res.headers['content-encoding']?.trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : encoding === 'deflate' ? createInflate() : undefined;
  if (!decoder) return res;
  res.on('error', (err) => decoder.destroy(err));
  return res.pipe(decoder);
}
