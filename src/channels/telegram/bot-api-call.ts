import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GrammyError, HttpError } from 'grammy';

/** Largest Bot API answer read (a sendMessage answer is a few KB). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * One Bot API call (`POST <apiRoot>/bot<token>/<method>`, JSON) for the outbox, on node:http
 * instead of grammY's fetch: `onAccepted` runs synchronously in the callback that completes
 * Telegram's `ok: true` answer, before any promise hop lets other work in, so the outbox records
 * an accepted message as early as the event loop allows (a kill in between repeats the message).
 * Resolves with the result; rejects with grammY's error classes (GrammyError for a Bot API
 * refusal, HttpError for transport failures, including `signal` aborts), so callers classify
 * failures as for grammY's calls. Errors never carry the URL (it holds the token).
 */
export function callBotApi(
  target: { apiRoot: string; token: string },
  method: string,
  payload: Record<string, unknown>,
  opts: { signal: AbortSignal; onAccepted(result: unknown): void },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${target.apiRoot}/bot${target.token}/${method}`);
    const body = Buffer.from(JSON.stringify(payload));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const fail = (why: string, cause?: unknown) => reject(new HttpError(`Network request for '${method}' failed! (${why})`, cause ?? new Error(why)));
    if (opts.signal.aborted) return fail('aborted');
    const req = send(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length }, signal: opts.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
        else chunks.push(c);
      });
      res.on('error', (err) => fail('answer cut', err));
      res.on('end', () => {
        let answer: { ok?: boolean; result?: unknown; error_code?: number; description?: string; parameters?: Record<string, unknown> };
        try {
          answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof answer;
        } catch (err) {
          return fail(`HTTP ${res.statusCode ?? '?'} without a JSON answer`, err);
        }
        if (answer.ok === true) {
          opts.onAccepted(answer.result);
          return resolve(answer.result);
        }
        const apiError = { ok: false as const, error_code: answer.error_code ?? res.statusCode ?? 0, description: answer.description ?? 'no description', parameters: answer.parameters ?? {} };
        reject(new GrammyError(`Call to '${method}' failed! (${apiError.error_code}: ${apiError.description})`, apiError, method, payload));
      });
    });
    req.on('error', (err) => fail(opts.signal.aborted ? 'aborted' : err.message, err));
    req.end(body);
  });
}
