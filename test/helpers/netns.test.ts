import assert from 'node:assert/strict';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createNetnsPair, IP_BIN, listNamespaces, reapStaleNamespaces, type NetnsPair } from './netns.js';
import { REPO_ROOT } from './paths.js';
import { runInProcessGroup } from './process-group.js';
import { waitFor } from './wait-for.js';

const NETNS_JS = pathToFileURL(join(REPO_ROOT, 'dist', 'test', 'helpers', 'netns.js')).href;
const RUN = { env: process.env, cwd: REPO_ROOT, timeoutMs: 10_000 };

/** A TCP listener that greets each client with the address it sees the client at. */
const GREETER = `const s = require('node:net').createServer((c) => c.end('you are ' + c.remoteAddress));
s.listen(7000, process.argv[1], () => console.log('listening'));`;
const DIAL = `const c = require('node:net').connect(7000, process.argv[1]); let got = '';
c.on('data', (d) => (got += d)); c.on('end', () => console.log(got)); c.on('error', (e) => { console.log(e.code); });`;

/** Runs a script in a fresh node process that creates a pair, prints its names, then ends as `how` says. */
async function pairOfAProcessThat(how: 'exits' | 'is killed'): Promise<string[]> {
  const end = how === 'exits' ? 'process.exit(0)' : "process.kill(process.pid, 'SIGKILL')";
  const script = `const { createNetnsPair } = await import(${JSON.stringify(NETNS_JS)});
const p = await createNetnsPair(); console.log(JSON.stringify([p.gateway.name, p.client.name])); ${end};`;
  const r = await runInProcessGroup(process.execPath, ['--input-type=module', '-e', script], RUN);
  return JSON.parse(r.stdout) as string[];
}

describe('network namespace pairs for non-loopback tests', () => {
  const disposers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (disposers.length) await disposers.pop()?.();
  });
  async function pair(): Promise<NetnsPair> {
    const p = await createNetnsPair();
    disposers.push(() => p.dispose());
    return p;
  }

  it('carries TCP from the client namespace to the gateway namespace over the veth pair', async () => {
    const { gateway, client } = await pair();
    const server = gateway.spawn(process.execPath, ['-e', GREETER, gateway.address], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the listener in the gateway namespace', () => out.includes('listening'));
    const r = await client.run(process.execPath, ['-e', DIAL, gateway.address], RUN);
    assert.equal(r.stdout.trim(), `you are ${client.address}`);
    server.kill('SIGKILL');
  });

  it('gives each namespace only its loopback and its veth end, both up, with a /30 address', async () => {
    const { gateway, client } = await pair();
    for (const [ns, dev] of [[gateway, 'veth0'], [client, 'veth1']] as const) {
      const r = await runInProcessGroup(IP_BIN, ['-n', ns.name, '-o', '-4', 'addr', 'show', 'up'], RUN);
      const addrs = r.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(1, 4).join(' '));
      assert.deepEqual(addrs, ['lo inet 127.0.0.1/8', `${dev} inet ${ns.address}/30`]);
    }
    assert.notEqual(gateway.address, client.address);
  });

  it('gives concurrent pairs distinct names and subnets', async () => {
    const [a, b] = await Promise.all([pair(), pair()]);
    assert.notEqual(a.gateway.name, b.gateway.name);
    assert.notEqual(a.client.name, b.client.name);
    assert.notEqual(a.gateway.address, b.gateway.address);
  });

  it('kills what runs inside and deletes both namespaces on dispose, once however often it is called', async () => {
    const p = await createNetnsPair();
    const sleepers = [p.gateway, p.client].map((ns) => ns.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
    const exits = sleepers.map((s) => once(s, 'exit'));
    await Promise.all([p.dispose(), p.dispose()]);
    await Promise.all(exits);
    const left = await listNamespaces();
    assert.equal(left.includes(p.gateway.name) || left.includes(p.client.name), false, `still there: ${left.join(', ')}`);
    await p.dispose();
  });

  it('deletes the pairs of a test process that exits without disposing them', async () => {
    const names = await pairOfAProcessThat('exits');
    const left = await listNamespaces();
    assert.deepEqual(names.filter((n) => left.includes(n)), []);
  });

  it('reaps the pairs of a test process that was killed before it could clean up', async () => {
    const names = await pairOfAProcessThat('is killed');
    const before = await listNamespaces();
    assert.deepEqual(names.filter((n) => !before.includes(n)), [], 'the killed process left its pair behind');
    await reapStaleNamespaces();
    const after = await listNamespaces();
    assert.deepEqual(names.filter((n) => after.includes(n)), []);
  });
});
