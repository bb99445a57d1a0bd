import qrcodeCore from 'qrcode/lib/core/qrcode.js';

/** Light modules around the symbol; scanners need some quiet zone, terminals are narrow. */
const QUIET_ZONE_MODULES = 2;
/** Dark modules drawn black on a white background, whatever the terminal's own colours. */
const BLACK_ON_WHITE = '\u001b[47m\u001b[30m';
const RESET = '\u001b[0m';

/** The dark/light modules of a square symbol, row by row. */
export interface QrModules {
  size: number;
  isDark(x: number, y: number): boolean;
}

/** Encodes `text` as a QR symbol (error correction M, as scanners of setup codes expect). */
export function encodeQr(text: string): QrModules {
  const { modules } = qrcodeCore.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (x, y) => Boolean(modules.get(y, x)) };
}

/**
 * Renders a symbol as terminal text, two module rows per line with half blocks (▀ ▄ █), inside a
 * quiet zone, black on white via ANSI colours so it scans on dark terminals too.
 */
export function renderQrModules(qr: QrModules, quiet = QUIET_ZONE_MODULES): string {
  const dark = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.isDark(x, y);
  const lines: string[] = [];
  for (let y = -quiet; y < qr.size + quiet; y += 2) {
    let line = '';
    for (let x = -quiet; x < qr.size + quiet; x += 1) {
      const top = dark(x, y);
      const bottom = dark(x, y + 1);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(BLACK_ON_WHITE + line + RESET);
  }
  return lines.join('\n');
}

/** `text` as a terminal QR code. */
export const renderQr = (text: string): string => renderQrModules(encodeQr(text));
