/** "3 min ago" style age of a millisecond timestamp. */
export function ago(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return '—';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export const short = (id: string | undefined, n = 12): string => (id ? (id.length > n ? `${id.slice(0, n)}…` : id) : '—');
