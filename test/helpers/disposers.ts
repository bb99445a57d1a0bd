import { afterEach } from 'node:test';
import { tmpHome, type TmpHome } from './tmp-home.js';

/**
 * Per-test cleanup (style B2: each test owns a disposer stack emptied in `afterEach`), plus the
 * temp-home factory most CLI tests need. Call once inside a `describe`.
 */
export function useDisposers(): {
  defer(dispose: () => Promise<unknown> | unknown): void;
  /** A fresh HOME, removed after the test; `config` is written as its farclaw.json. */
  home(config?: unknown): TmpHome;
} {
  const stack: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (stack.length) await stack.pop()?.();
  });
  return {
    defer: (dispose) => void stack.push(dispose),
    home(config) {
      const h = tmpHome();
      stack.push(() => h.dispose());
      if (config !== undefined) h.writeConfig(config);
      return h;
    },
  };
}
