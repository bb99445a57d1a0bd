/**
 * Renders a box-drawn table (`┌─┬─┐ │ … │ └─┴─┘`) with a header row. Cells are never wrapped,
 * so a row stays on one line whatever the terminal width (scripts grep these lines).
 *
 * @example renderTable(['Item', 'Value'], [['Gateway', 'local · ws://127.0.0.1:18789']])
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = (left: string, mid: string, right: string): string => left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  const line = (cells: readonly string[]): string => '│' + widths.map((w, i) => ` ${(cells[i] ?? '').padEnd(w)} `).join('│') + '│';
  return [rule('┌', '┬', '┐'), line(headers), rule('├', '┼', '┤'), ...rows.map(line), rule('└', '┴', '┘')].join('\n');
}
