import type { Logger } from '../../infra/logger.js';
import type { EventBus } from '../events/event-bus.js';
import type { GatewayServices } from '../rpc/context.js';
import type { MethodDef } from '../rpc/dispatcher.js';
import type { HttpRoute } from '../server/http-router.js';
import type { Component } from './component.js';

/** A component list that cannot be started (unknown need, cycle, a method registered twice). */
export class CompositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompositionError';
  }
}

/** `components` ordered so that every component comes after everything it needs. */
export function startOrder(components: readonly Component[]): Component[] {
  const byName = new Map<string, Component>();
  for (const c of components) {
    if (byName.has(c.name)) throw new CompositionError(`component ${c.name} is registered twice`);
    byName.set(c.name, c);
  }
  const ordered: Component[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Component, path: string[]): void => {
    const s = state.get(c.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new CompositionError(`components depend on each other: ${[...path, c.name].join(' -> ')}`);
    state.set(c.name, 'visiting');
    for (const need of c.needs ?? []) {
      const dep = byName.get(need);
      if (!dep) throw new CompositionError(`component ${c.name} needs ${need}, which is not registered`);
      visit(dep, [...path, c.name]);
    }
    state.set(c.name, 'done');
    ordered.push(c);
  };
  for (const c of components) visit(c, []);
  return ordered;
}

/**
 * The composition root's engine: holds the components, collects their methods and routes,
 * starts them in dependency order and stops them in reverse. A component that fails to start
 * stops the ones already started, in reverse, before the error is rethrown.
 */
export class Kernel {
  private readonly ordered: Component[];
  private readonly started: Array<{ component: Component; unsubscribe: Array<() => void> }> = [];
  private stopping: Promise<void> | undefined;

  /** @throws CompositionError for an unknown need, a cycle or a method registered twice. */
  constructor(components: readonly Component[]) {
    this.ordered = startOrder(components);
    const owners = new Map<string, string>();
    for (const c of this.ordered) {
      for (const m of c.methods ?? []) {
        const owner = owners.get(m.name);
        if (owner) throw new CompositionError(`method ${m.name} is registered by both ${owner} and ${c.name}`);
        owners.set(m.name, c.name);
      }
    }
  }

  /** Component names in start order. */
  get names(): string[] {
    return this.ordered.map((c) => c.name);
  }

  /** Every registered method. */
  methods(): MethodDef[] {
    return this.ordered.flatMap((c) => c.methods ?? []);
  }

  /** Every registered HTTP route, in component start order. */
  routes(): HttpRoute[] {
    return this.ordered.flatMap((c) => c.routes ?? []);
  }

  async start(env: { services: GatewayServices; bus: EventBus; logger: Logger }): Promise<void> {
    for (const component of this.ordered) {
      const unsubscribe: Array<() => void> = [];
      this.started.push({ component, unsubscribe });
      try {
        await component.start?.({ ...env, subscribe: (listener) => void unsubscribe.push(env.bus.subscribe(listener)) });
      } catch (err) {
        await this.stop();
        throw err;
      }
    }
  }

  /** Stops every started component in reverse order; a failing stop is logged and skipped. */
  stop(logger?: Logger): Promise<void> {
    this.stopping ??= (async () => {
      for (const { component, unsubscribe } of [...this.started].reverse()) {
        for (const off of unsubscribe) off();
        try {
          await component.stop?.();
        } catch (err) {
          logger?.error({ err, component: component.name }, 'component failed to stop');
        }
      }
    })();
    return this.stopping;
  }
}
