import { buildConnectParams } from '../../src/client/frames.js';
import { GatewayClient } from '../../src/client/gateway-client.js';
import { TEST_TOKEN } from '../../test/helpers/gateway-process.js';

/**
 * A device-less local operator with the shared test token (cli/cli keeps the scopes it asks for
 * on both gateways), as the benches drive them.
 */
export async function benchOperator(
  url: string,
  scopes: string[] = ['operator.admin', 'operator.read', 'operator.write'],
  timeoutMs = 60_000,
): Promise<GatewayClient> {
  const client = new GatewayClient();
  await client.connect(url, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'bench', scopes, token: TEST_TOKEN }), timeoutMs);
  return client;
}
