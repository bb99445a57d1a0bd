import { CliError } from '../cli-error.js';
import { callOnce, parseParams, type CallFlags } from '../rpc.js';

const CALL_FAILED = 'Gateway call failed: ';

/** `farclaw gateway call <method>`: prints the payload as JSON. */
export async function runGatewayCall(method: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  let params: unknown;
  try {
    params = parseParams(flags.params);
  } catch (err) {
    if (err instanceof CliError) throw new CliError(CALL_FAILED + err.message, 1, { type: 'cli_error', message: err.message });
    throw err;
  }
  const payload = await callOnce(method, params, flags, { id: 'cli', mode: 'cli' }, env, { prefix: CALL_FAILED });
  process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  return 0;
}

/** `farclaw gateway health`: `Gateway Health` / `OK (<n>ms)`, or the payload with --json. */
export async function runGatewayHealth(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const payload = (await callOnce('health', {}, flags, { id: 'cli', mode: 'cli' }, env)) as { ok?: boolean };
  if (flags.json) process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  else process.stdout.write(`Gateway Health\n${payload.ok ? 'OK' : 'NOT OK'} (${Date.now() - started}ms)\n`);
  return payload.ok ? 0 : 1;
}
