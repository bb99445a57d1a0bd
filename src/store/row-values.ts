/** Small conversions between SQLite column values and record fields, shared by the repos. */

/** `{[key]: value}` when the column is not NULL, else `{}` (for `exactOptionalPropertyTypes`). */
export function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A JSON string-array column. */
export function parseList(text: string): string[] {
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export const listText = (list: readonly string[]): string => JSON.stringify([...list]);

/** `undefined` → SQL NULL. */
export const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
