import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../protocol/errors.js';
import { EventBus, type BusEvent } from './event-bus.js';

describe('EventBus', () => {
  it('numbers every event with one gateway-wide seq and delivers it to every subscriber in order', () => {
    const bus = new EventBus();
    const a: BusEvent[] = [];
    const b: BusEvent[] = [];
    bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.publish('tick', { ts: 1 });
    bus.publish('presence', { presence: [] }, { isSupersedable: true });
    assert.deepEqual(a.map((e) => [e.seq, e.event]), [[1, 'tick'], [2, 'presence']]);
    assert.deepEqual(b.map((e) => e.seq), [1, 2]);
    assert.equal(a[0]?.payloadJson, '{"ts":1}');
    assert.equal(a[1]?.isSupersedable, true);
    assert.equal(bus.seq, 2);
  });

  it('keeps delivering to the others when a subscriber throws, and reports the failure', () => {
    const failures: string[] = [];
    const bus = new EventBus((_err, event) => failures.push(event));
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((e) => seen.push(e.seq));
    bus.publish('health', {});
    assert.deepEqual(seen, [1]);
    assert.deepEqual(failures, ['health']);
  });

  it('stops delivering to a subscriber after it unsubscribes', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const off = bus.subscribe((e) => seen.push(e.seq));
    bus.publish('tick', {});
    off();
    bus.publish('tick', {});
    assert.deepEqual(seen, [1]);
  });

  it('refuses a payload that cannot be serialised before any subscriber sees it, without using a seq', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.event));
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    assert.throws(() => bus.publish('node.hostStats', deep), (err: unknown) => err instanceof GatewayError && err.code === 'INVALID_REQUEST');
    assert.deepEqual(seen, []);
    assert.equal(bus.seq, 0);
  });
});
