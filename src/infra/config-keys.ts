import type { TSchema } from '@sinclair/typebox';

/** A config key no schema knows, and the known key it most likely meant. */
export interface UnknownKey {
  path: string;
  suggestion?: string;
}

/** Edit distance (insert, delete, substitute), iterative. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest known key when it is close enough to be a typo (case-insensitive match first). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (!best || d < best.d) best = { k, d };
  }
  const limit = key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 3));
  return best && best.d <= limit ? best.k : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Keys of `value` that `schema` does not describe, as dotted paths, with a did-you-mean when one
 * known key is close. Only object schemas with listed properties are checked; unions, records
 * and free-form values are not descended into (their keys are data, not settings).
 */
export function unknownConfigKeys(value: unknown, schema: TSchema, path = ''): UnknownKey[] {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!isObject(value) || !props) return [];
  const known = Object.keys(props);
  const found: UnknownKey[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const sub = props[key];
    if (sub) found.push(...unknownConfigKeys(child, sub, at));
    else {
      const suggestion = closestKey(key, known);
      found.push({ path: at, ...(suggestion ? { suggestion } : {}) });
    }
  }
  return found;
}

/** `unknown config key gateway.prot (did you mean gateway.port?)` */
export function describeUnknownKey(k: UnknownKey): string {
  const parent = k.path.includes('.') ? k.path.slice(0, k.path.lastIndexOf('.') + 1) : '';
  return `unknown config key ${k.path}${k.suggestion ? ` (did you mean ${parent}${k.suggestion}?)` : ''}`;
}
