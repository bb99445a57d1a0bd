import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeQr, renderQrModules } from './qr-terminal.js';

const strip = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('terminal QR rendering', () => {
  it('draws two module rows per line with half blocks inside a quiet zone', () => {
    // 2×2: dark top-left, dark bottom-right.
    const qr = { size: 2, isDark: (x: number, y: number) => (x === 0 && y === 0) || (x === 1 && y === 1) };
    assert.deepEqual(strip(renderQrModules(qr, 2)).split('\n'), ['      ', '  ▀▄  ', '      ']);
    const full = { size: 2, isDark: () => true };
    assert.deepEqual(strip(renderQrModules(full, 0)).split('\n'), ['██']);
  });

  it('paints black on white so the code scans on dark terminals', () => {
    for (const line of renderQrModules({ size: 1, isDark: () => true }, 1).split('\n')) {
      assert.ok(line.startsWith('\u001b[47m\u001b[30m') && line.endsWith('\u001b[0m'), JSON.stringify(line));
    }
  });

  it('encodes text as a symbol with the finder pattern in its corner', () => {
    const qr = encodeQr('eyJ1cmwiOiJ3czovLzE5Mi4xNjguMS4yMDoxODc4OSJ9');
    assert.equal((qr.size - 17) % 4, 0, 'a QR size is 17 + 4·version');
    for (let i = 0; i < 7; i++) {
      assert.equal(qr.isDark(i, 0), true);
      assert.equal(qr.isDark(0, i), true);
    }
    assert.equal(qr.isDark(7, 0), false, 'separator after the finder');
    assert.equal(strip(renderQrModules(qr)).split('\n').length, Math.ceil((qr.size + 4) / 2));
  });
});
