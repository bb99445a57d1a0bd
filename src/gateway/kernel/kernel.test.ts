import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { EventBus } from '../events/event-bus.js';
import type { GatewayServices } from '../rpc/context.js';
import { defineMethod } from '../rpc/dispatcher.js';
import type { Component } from './component.js';
import { CompositionError, Kernel } from './kernel.js';

const env = () => ({ services: {} as GatewayServices, bus: new EventBus(), logger: pino({ level: 'silent' }) });

function recorder(log: string[], name: string, needs: string[] = []): Component {
  return { name, needs, start: () => void log.push(`start ${name}`), stop: () => void log.push(`stop ${name}`) };
}

describe('Kernel', () => {
  it('starts components after what they need and stops them in reverse', async () => {
    const log: string[] = [];
    const kernel = new Kernel([recorder(log, 'chat', ['sessions', 'nodes']), recorder(log, 'nodes', ['devices']), recorder(log, 'sessions'), recorder(log, 'devices')]);
    await kernel.start(env());
    await kernel.stop();
    assert.deepEqual(log, [
      'start sessions', 'start devices', 'start nodes', 'start chat',
      'stop chat', 'stop nodes', 'stop devices', 'stop sessions',
    ]);
  });

  it('refuses an unknown need, a cycle, and a method registered by two components', () => {
    assert.throws(() => new Kernel([{ name: 'a', needs: ['b'] }]), CompositionError);
    assert.throws(() => new Kernel([{ name: 'a', needs: ['b'] }, { name: 'b', needs: ['a'] }]), /depend on each other: a -> b -> a/);
    const m = defineMethod('x.y', Type.Object({}), () => ({}));
    assert.throws(() => new Kernel([{ name: 'a', methods: [m] }, { name: 'b', methods: [m] }]), /x\.y is registered by both a and b/);
  });

  it('stops what already started when a component fails to start, and rethrows', async () => {
    const log: string[] = [];
    const failing: Component = { name: 'bad', needs: ['good'], start: () => Promise.reject(new Error('no port')) };
    const kernel = new Kernel([recorder(log, 'good'), failing]);
    await assert.rejects(kernel.start(env()), /no port/);
    assert.deepEqual(log, ['start good', 'stop good']);
  });

  it('removes a component’s bus subscriptions when it stops', async () => {
    const seen: string[] = [];
    const e = env();
    const kernel = new Kernel([{ name: 'listener', start: (ctx) => ctx.subscribe((ev) => void seen.push(ev.event)) }]);
    await kernel.start(e);
    e.bus.publish('tick', {});
    await kernel.stop();
    e.bus.publish('tick', {});
    assert.deepEqual(seen, ['tick']);
  });
});
