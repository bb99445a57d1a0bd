// Issue 12: random and mutated frames (from the captured vectors) thrown at a live gateway
// process, before auth and after it (as an operator and as a node), for a fixed number of
// iterations. Afterwards the process is alive and a well-behaved client's `health` answers.
// The seed is in the test names; FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NODE_HOST_CONNECT } from '../conformance/device-setup.js';
import { VECTORS_DIR } from '../conformance/vector-file.js';
import { MANUAL_PAIRING_GATEWAY } from '../conformance/vector-suite.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { connectParams, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
const PRE_AUTH_SOCKETS = 300;
const OPERATOR_FRAMES = 2000;
const NODE_FRAMES = 1500;
/** Frames sent between two `health` calls that check the connection still answers. */
const SYNC_EVERY = 10;

/** mulberry32: small, seeded, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every client-to-server frame of the vectors: the seeds the mutations start from. */
function corpus(): { connects: unknown[]; requests: unknown[] } {
  const connects: unknown[] = [];
  const requests: unknown[] = [];
  for (const name of readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json'))) {
    const raw = JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8')) as { frames?: { dir?: string; frame?: { method?: string } }[] };
    for (const e of raw.frames ?? []) {
      if (e.dir !== 'c2s' || !e.frame) continue;
      (e.frame.method === 'connect' ? connects : requests).push(e.frame);
    }
  }
  return { connects, requests };
}

class Mutator {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  /** A value of a surprising type or size. */
  value(): unknown {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const choices: (() => unknown)[] = [
      () => null, () => -1, () => 1e308, () => 2 ** 53 + 1, () => '', () => true, () => [], () => ({}),
      () => 'x'.repeat(this.int(200_000)), () => '\u0000\ud800<script>', () => JSON.parse(deep(20 + this.int(120))) as unknown,
      () => Array.from({ length: this.int(2000) }, (_, i) => i), () => JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{}}}') as unknown,
      () => ({ nested: { a: [{ b: 'c' }] } }), () => String(this.rand()),
    ];
    return this.pick(choices)();
  }

  /** `frame` with one part replaced, removed or added, anywhere in its tree. */
  mutateTree(frame: unknown): unknown {
    const copy = JSON.parse(JSON.stringify(frame)) as unknown;
    const containers: Record<string, unknown>[] = [];
    const walk = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      containers.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) walk(child);
    };
    walk(copy);
    if (containers.length === 0) return this.value();
    const target = this.pick(containers);
    const keys = Object.keys(target);
    const key = keys.length > 0 && this.rand() < 0.8 ? this.pick(keys) : `extra${this.int(5)}`;
    if (this.rand() < 0.2) delete target[key];
    else target[key] = this.value();
    return copy;
  }

  /** The frame's text cut, spliced, or with characters changed. */
  mutateText(text: string): string {
    const at = this.int(text.length + 1);
    switch (this.int(5)) {
      case 0: return text.slice(0, at);
      case 1: return text.slice(0, at) + String.fromCharCode(this.int(0x3000)) + text.slice(at + 1);
      case 2: return text.slice(0, at) + text.slice(this.int(text.length)) + text.slice(at);
      case 3: return text.slice(0, at) + '{"a":'.repeat(this.int(5000)) + text.slice(at);
      default: return Array.from({ length: this.int(64) }, () => String.fromCharCode(this.int(256))).join('');
    }
  }

  /** One fuzzed frame made from `seedFrame` (an object or, sometimes, the text of one). */
  frame(seedFrame: unknown, tweak: (f: Record<string, unknown>) => void = () => undefined): string {
    let f = seedFrame;
    const rounds = 1 + this.int(3);
    for (let i = 0; i < rounds; i++) f = this.mutateTree(f);
    if (typeof f === 'object' && f !== null && !Array.isArray(f) && this.rand() < 0.7) tweak(f as Record<string, unknown>);
    const text = JSON.stringify(f) ?? 'null';
    return this.rand() < 0.25 ? this.mutateText(text) : text;
  }
}

/** Waits until `c` answers request `id` or is closed (either is a healthy reaction to fuzz). */
async function answeredOrClosed(c: RawClient, id: string): Promise<'answered' | 'closed'> {
  return await waitFor(`answer ${id} or close`, () => (c.close ? 'closed' : c.frames.some((f) => f.type === 'res' && f.id === id) ? 'answered' : undefined), 60_000, 5);
}

describe(`gateway fuzz (issue 12, real gateway process, seed ${SEED})`, () => {
  const seeds = corpus();
  const fuzz = new Mutator(SEED);
  let gw: RunningGateway;

  /** The gateway is alive and a fresh, well-behaved operator's `health` answers. */
  async function assertServing(phase: string): Promise<void> {
    assert.equal(gw.proc.exitCode, null, `gateway exited during ${phase} (seed ${SEED}): ${gw.stderr().slice(-2000)}`);
    const c = await RawClient.open(gw.url);
    try {
      assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true, `connect after ${phase} (seed ${SEED})`);
      assert.equal((await c.call('health', {}, 'health-after')).ok, true, `health after ${phase} (seed ${SEED})`);
    } finally {
      c.terminate();
    }
  }

  /** Sends `count` fuzzed frames over authenticated sockets opened by `open`, reopening when one is closed. */
  async function fuzzAuthenticated(open: () => Promise<RawClient>, count: number, tweak: (f: Record<string, unknown>) => void): Promise<void> {
    let c = await open();
    for (let i = 0; i < count; i++) {
      c.send(fuzz.frame(fuzz.pick(seeds.requests), tweak));
      if ((i + 1) % SYNC_EVERY !== 0) continue;
      const id = `sync-${i}`;
      c.send({ type: 'req', id, method: 'health', params: {} });
      if ((await answeredOrClosed(c, id)) === 'closed') {
        c = await open();
      } else {
        c.frames.length = 0;
      }
    }
    c.terminate();
  }

  before(async () => {
    assert.ok(seeds.connects.length > 10 && seeds.requests.length > 50, 'the vectors give a corpus');
    gw = await startGateway(MANUAL_PAIRING_GATEWAY);
  });
  after(async () => {
    await gw?.stop();
  });

  it(`pre-auth: ${PRE_AUTH_SOCKETS} sockets of mutated connects and random frames (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const withToken = (f: Record<string, unknown>): void => {
      const params = f.params as Record<string, unknown> | undefined;
      if (params && typeof params === 'object') params.auth = { token: TEST_TOKEN };
    };
    for (let i = 0; i < PRE_AUTH_SOCKETS; i++) {
      const c = await RawClient.open(gw.url);
      const frames = 1 + fuzz.int(3);
      for (let j = 0; j < frames; j++) c.send(fuzz.frame(fuzz.pick(j === 0 ? seeds.connects : seeds.requests), withToken));
      // Give the gateway a moment with the frames, then go (an abrupt end is part of the fuzz).
      await Promise.race([waitFor('close', () => c.close, 60_000, 5).catch(() => undefined), new Promise((r) => setTimeout(r, 50))]);
      c.terminate();
    }
    await assertServing('pre-auth fuzz');
  });

  it(`post-auth operator: ${OPERATOR_FRAMES} mutated requests (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const open = async (): Promise<RawClient> => {
      const c = await RawClient.open(gw.url);
      const res = await c.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.read', 'operator.write'] });
      assert.equal(res.ok, true, `operator connect (seed ${SEED}): ${JSON.stringify(res.error)}`);
      return c;
    };
    await fuzzAuthenticated(open, OPERATOR_FRAMES, (f) => {
      f.type = 'req';
      f.id = `f${fuzz.int(1e6)}`;
    });
    await assertServing('operator fuzz');
  });

  it(`post-auth node: ${NODE_FRAMES} mutated requests (seed ${SEED})`, { timeout: 600_000 }, async () => {
    let n = 0;
    const open = async (): Promise<RawClient> => {
      const c = await RawClient.open(gw.url);
      const res = await c.connect({ ...NODE_HOST_CONNECT, client: { ...NODE_HOST_CONNECT.client, instanceId: `fuzz-node-${n++}` } } as unknown as Record<string, unknown>);
      assert.equal(res.ok, true, `node connect (seed ${SEED}): ${JSON.stringify(res.error)}`);
      return c;
    };
    const nodeMethods = ['node.invoke.result', 'node.event', 'node.invoke.progress', 'node.host.stats', 'node.skills.update', 'node.pluginTools.update'];
    await fuzzAuthenticated(open, NODE_FRAMES, (f) => {
      f.type = 'req';
      f.id = `n${fuzz.int(1e6)}`;
      if (fuzz.int(2) === 0) f.method = fuzz.pick(nodeMethods);
    });
    await assertServing('node fuzz');
  });
});
