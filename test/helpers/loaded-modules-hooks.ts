// Module hooks registered by loaded-modules-preload.ts: posts the URL of every module the ES
// module loader loads to the preload's port.
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<unknown>): Promise<unknown> {
  port?.postMessage(url);
  return nextLoad(url, context);
}
