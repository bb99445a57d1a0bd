// The encoder core of `qrcode` (lib/core/qrcode.js), imported alone so the bundle does not carry
// the package's PNG/SVG renderers. Its types are those @types/qrcode gives `create`.
declare module 'qrcode/lib/core/qrcode.js' {
  import type { QRCode, QRCodeOptions } from 'qrcode';

  const core: { create(text: string, options?: QRCodeOptions): QRCode };
  export default core;
}
