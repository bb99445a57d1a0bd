import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Gzipped bytes of a set of JS and CSS files. */
export interface BundleBytes {
  jsGz: number;
  cssGz: number;
  files: number;
}

const gz = (data: Buffer | Uint8Array): number => gzipSync(data, { level: 9 }).length;

/** Sums the gzipped size of every .js and .css file in `dir`. */
export function bundleBytesOf(dir: string): BundleBytes {
  let jsGz = 0;
  let cssGz = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.js')) jsGz += gz(readFileSync(join(dir, name)));
    else if (name.endsWith('.css')) cssGz += gz(readFileSync(join(dir, name)));
    else continue;
    files += 1;
  }
  return { jsGz, cssGz, files };
}

/**
 * What the real Control UI downloads to show the chat: the JS and CSS assets of the boot
 * recorded in vector control-ui-boot (its `httpRequests`), read from the peer's bundle.
 */
export function realBootBytes(uiDir: string, vectorFile: string): BundleBytes {
  const vector = JSON.parse(readFileSync(vectorFile, 'utf8')) as { httpRequests: { url?: unknown }[] };
  const paths = [...new Set(vector.httpRequests.map((r) => (typeof r.url === 'string' ? r.url.split('?')[0] ?? '' : '')).filter((u) => /\.(js|css)$/.test(u)))];
  let jsGz = 0;
  let cssGz = 0;
  for (const p of paths) {
    const data = readFileSync(join(uiDir, p));
    if (p.endsWith('.js')) jsGz += gz(data);
    else cssGz += gz(data);
  }
  return { jsGz, cssGz, files: paths.length };
}

/** The floor: Preact rendering one element, bundled and minified the way our UI is. */
export async function floorBytes(): Promise<BundleBytes> {
  const out = await build({
    stdin: { contents: "import { h, render } from 'preact'; render(h('p', null, 'hello'), document.body);", resolveDir: process.cwd(), loader: 'js' },
    bundle: true, write: false, minify: true, format: 'esm', platform: 'browser', legalComments: 'none',
  });
  return { jsGz: out.outputFiles.reduce((n, f) => n + gz(f.contents), 0), cssGz: 0, files: out.outputFiles.length };
}
