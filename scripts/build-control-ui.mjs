#!/usr/bin/env node
// Builds the Control UI (src/web) into dist/control-ui: index.html plus content-hashed
// assets/app-<hash>.js|css, each also written gzip- and brotli-compressed so the gateway serves
// them without compressing per request. Everything the page needs is in these files: no CDN,
// no web fonts, no runtime network besides the gateway's own WebSocket.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'control-ui');

const result = await build({
  entryPoints: [join(ROOT, 'src/web/main.tsx')],
  bundle: true,
  write: false,
  outdir: 'out',
  platform: 'browser',
  format: 'esm',
  target: ['chrome115', 'firefox115', 'safari17'],
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'assets'), { recursive: true });

function emit(relPath, data) {
  writeFileSync(join(OUT, relPath), data);
  writeFileSync(join(OUT, `${relPath}.gz`), gzipSync(data, { level: 9 }));
  writeFileSync(join(OUT, `${relPath}.br`), brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

const names = {};
for (const file of result.outputFiles) {
  const ext = file.path.endsWith('.css') ? 'css' : 'js';
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 12);
  const name = `assets/app-${hash}.${ext}`;
  emit(name, file.contents);
  names[ext] = name;
}

// The gateway fills in <base href> with gateway.controlUi.basePath when it serves index.html,
// so the relative asset paths work under any base path and on any SPA route.
const html = readFileSync(join(ROOT, 'src/web/index.html'), 'utf8')
  .replace('%APP_CSS%', names.css ? `<link rel="stylesheet" href="./${names.css}">` : '')
  .replace('%APP_JS%', `<script type="module" src="./${names.js}"></script>`);
writeFileSync(join(OUT, 'index.html'), html);
writeFileSync(join(OUT, 'manifest.json'), JSON.stringify({ js: names.js, css: names.css ?? null }, null, 2));
