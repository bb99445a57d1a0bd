/** `v` trimmed when it is a string with something in it, else undefined (optional text fields of JSON params). */
export const trimmedText = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
